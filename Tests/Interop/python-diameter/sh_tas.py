"""python-diameter (PyPI) as two telephony application servers against `hss serve` over Sh (TS 29.328/29.329),
with docs/examples/hss-sh.yaml granting them their permissions: TAS 1 reads alice's IMS user state, writes
and reads its MMTEL-Services repository data (sequence numbers checked), subscribes to both; an S-CSCF
registers alice over Cx (MAR, SAR) and TAS 1 must receive PNRs on its own connection; TAS 2 updates the
repository data and TAS 1 is told. Then the refusals. Run by scripts/python-diameter.sh; exit 0 when every
check holds.

python-diameter 0.9.0 declares Sh's User-Data as the Cx User-Data (606); the Sh one (702) is read and
written by hand here.
"""
import sys
import threading
import time

from diameter.message import constants as c
from diameter.message.avp import Avp
from diameter.message.avp.grouped import VendorSpecificApplicationId, UserIdentity
from diameter.message.commands import (
    UserDataRequest, ProfileUpdateRequest, SubscribeNotificationsRequest, ServerAssignmentRequest)

import checks
import cx_client
from checks import check, result, value

HSS_PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 3868
TGPP = 10415
SH = 16777217
CX = 16777216
REALM = "localdomain"
IMPU = "sip:alice@localdomain"
SH_USER_DATA = 702
REPOSITORY, IMS_USER_STATE = 0, 11

session = 0
notified = []
notice = threading.Condition()


def envelope(msg, me):
    global session
    session += 1
    msg.session_id = f"{me};{int(time.time())};{session}"
    msg.vendor_specific_application_id = VendorSpecificApplicationId(vendor_id=TGPP, auth_application_id=SH)
    msg.auth_session_state = c.E_AUTH_SESSION_STATE_NO_STATE_MAINTAINED
    msg.origin_host = me.encode()
    msg.origin_realm = REALM.encode()
    msg.destination_realm = REALM.encode()
    msg.user_identity = UserIdentity(public_identity=IMPU)
    return msg


def start(name, app_id, handler=None):
    # python-diameter's PNR class requires User-Data 606 (Cx) where TS 29.329 §6.1.7 has 702: a correct PNR
    # would be refused as missing an AVP, so received requests are not checked against its dictionary.
    return checks.start_node(name, app_id, HSS_PORT, handler, validate=False)


def on_pnr(app, request):
    """TAS 1 answers each PNR 2001 and keeps its Sh-Data."""
    answer = checks.success_answer(app, request, SH)
    data = request.find_avps((SH_USER_DATA, TGPP))
    with notice:
        notified.append((request.header.command_code, value(data[0]).decode() if data else ""))
        notice.notify_all()
    return answer


def wait_for(text, timeout=10):
    """The first PNR whose Sh-Data contains `text`."""
    deadline = time.time() + timeout
    with notice:
        while True:
            hit = next((d for code, d in notified if code == 309 and text in d), None)
            if hit or time.time() >= deadline:
                return hit
            notice.wait(timeout=max(0.0, deadline - time.time()))


def sh_data(answer):
    d = answer.find_avps((SH_USER_DATA, TGPP))
    return value(d[0]).decode() if d else ""


def udr(me, ref, si=None):
    m = envelope(UserDataRequest(), me)
    m.data_reference = ref
    if si:
        m.service_indication = si.encode()
    return m


def pur(me, seq, data):
    m = envelope(ProfileUpdateRequest(), me)
    m.data_reference = REPOSITORY
    xml = (f"<?xml version=\"1.0\"?><Sh-Data><RepositoryData><ServiceIndication>MMTEL-Services</ServiceIndication>"
           f"<SequenceNumber>{seq}</SequenceNumber><ServiceData>{data}</ServiceData></RepositoryData></Sh-Data>")
    m.append_avp(Avp.new(SH_USER_DATA, TGPP, value=xml.encode()))
    return m


def main():
    tas_node, tas = start("tas.localdomain", SH, on_pnr)
    tas2_node, tas2 = start("tas2.localdomain", SH)
    cx_node, scscf = start(cx_client.ME, CX)
    try:
        check("capabilities exchange with the HSS as Sh peers", tas.is_ready.is_set() and tas2.is_ready.is_set())
        uda = tas.send_request(udr("tas.localdomain", IMS_USER_STATE), timeout=10)
        check("UDR IMSUserState → UDA 2001 with Sh-Data NOT_REGISTERED",
              result(uda) == (2001, None) and "<IMSUserState>0</IMSUserState>" in sh_data(uda), f"{result(uda)} {sh_data(uda)}")

        check("PUR RepositoryData (sequence 0, creating) → 2001",
              result(tas.send_request(pur("tas.localdomain", 0, "<cdiv target=\"tel:+15550002\"/>"), timeout=10)) == (2001, None))
        check("PUR with a stale sequence number → Exp 5105 TRANSPARENT_DATA_OUT_OF_SYNC",
              result(tas.send_request(pur("tas.localdomain", 0, "<x/>"), timeout=10)) == (None, 5105))
        uda = tas.send_request(udr("tas.localdomain", REPOSITORY, "MMTEL-Services"), timeout=10)
        check("UDR RepositoryData → the stored ServiceData",
              result(uda) == (2001, None) and "<ServiceData><cdiv target=\"tel:+15550002\"/></ServiceData>" in sh_data(uda), sh_data(uda))

        snr = envelope(SubscribeNotificationsRequest(), "tas.localdomain")
        snr.subs_req_type = c.E_SUBS_REQ_TYPE_SUBSCRIBE
        snr.append_avp(Avp.new(c.AVP_TGPP_DATA_REFERENCE, TGPP, value=REPOSITORY))
        snr.append_avp(Avp.new(c.AVP_TGPP_DATA_REFERENCE, TGPP, value=IMS_USER_STATE))
        snr.service_indication = b"MMTEL-Services"
        check("SNR RepositoryData + IMSUserState → 2001", result(tas.send_request(snr, timeout=10)) == (2001, None))

        # An S-CSCF registers alice over Cx: MAR (authentication pending), SAR (registered).
        check("Cx MAR from the S-CSCF → 2001", result(scscf.send_request(cx_client.mar("Digest-AKAv1-MD5", 1), timeout=10)) == (2001, None))
        sar = cx_client.envelope(ServerAssignmentRequest())
        sar.user_name = cx_client.IMPI
        sar.public_identity = [IMPU]
        sar.server_name = cx_client.SERVER_NAME
        sar.server_assignment_type = c.E_SERVER_ASSIGNMENT_TYPE_REGISTRATION
        sar.user_data_already_available = c.E_USER_DATA_ALREADY_AVAILABLE_USER_DATA_NOT_AVAILABLE
        check("Cx SAR REGISTRATION → 2001", result(scscf.send_request(sar, timeout=10)) == (2001, None))
        check("TAS 1 receives a PNR with IMSUserState REGISTERED on its own connection", wait_for("<IMSUserState>1</IMSUserState>") is not None, str(notified))

        check("TAS 2 updates the repository data (sequence 1) → 2001",
              result(tas2.send_request(pur("tas2.localdomain", 1, "<cfu/>"), timeout=10)) == (2001, None))
        check("TAS 1 receives a PNR with TAS 2's data", wait_for("<SequenceNumber>1</SequenceNumber><ServiceData><cfu/></ServiceData>") is not None, str(notified))

        check("UDR from TAS 2 for data it may not read → Exp 5102",
              result(tas2.send_request(udr("tas2.localdomain", IMS_USER_STATE), timeout=10)) == (None, 5102))
        unknown = udr("tas.localdomain", IMS_USER_STATE)
        unknown.user_identity = UserIdentity(public_identity="sip:nobody@localdomain")
        check("UDR for an unknown user → Exp 5001", result(tas.send_request(unknown, timeout=10)) == (None, 5001))
        check("UDR with an unknown Data-Reference → Exp 5100", result(tas.send_request(udr("tas.localdomain", 99), timeout=10)) == (None, 5100))
        bad = envelope(ProfileUpdateRequest(), "tas.localdomain")
        bad.data_reference = REPOSITORY
        bad.append_avp(Avp.new(SH_USER_DATA, TGPP, value=b"<Sh-Data><RepositoryData>"))
        check("PUR with malformed Sh-Data → 5004, nothing stored", result(tas.send_request(bad, timeout=10)) == (5004, None))
        uda = tas.send_request(udr("tas.localdomain", REPOSITORY, "MMTEL-Services"), timeout=10)
        check("… the repository data is TAS 2's still", "<ServiceData><cfu/></ServiceData>" in sh_data(uda), sh_data(uda))
    finally:
        for n in (tas_node, tas2_node, cx_node):
            n.stop(wait_timeout=5)
    print("python-diameter Sh: " + ("PASSED" if checks.failures == 0 else f"{checks.failures} check(s) FAILED"))
    sys.exit(1 if checks.failures else 0)


if __name__ == "__main__":
    main()
