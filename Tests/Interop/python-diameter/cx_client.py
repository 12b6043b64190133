"""A second, independent Cx client: python-diameter (PyPI) as an I-CSCF/S-CSCF peer against `hss serve`
with docs/examples/subscribers.json. Run by scripts/python-diameter.sh; exit 0 when every check holds.

python-diameter 0.9.0 has two known bugs (../shared/notes/kamailio-ims.md): its UAR has no Session-Id,
and its MAR uses the RFC 4740 AVP codes; the script adds the TS 29.229 AVPs by hand.
"""
import sys
import time

from diameter.message import constants as c
from diameter.message.avp import Avp
from diameter.message.avp.grouped import VendorSpecificApplicationId
from diameter.message.commands import (
    UserAuthorizationRequest, ServerAssignmentRequest, LocationInfoRequest, MultimediaAuthRequest)
from diameter.node import Node
from diameter.node.application import SimpleThreadingApplication

import checks
from checks import check, result

HSS_PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 3868
TGPP = 10415
CX = 16777216
REALM = "localdomain"
ME = "pyscscf.localdomain"
SERVER_NAME = "sip:pyscscf.localdomain:6060"
IMPI, IMPU = "alice@localdomain", "sip:alice@localdomain"

session = 0


def envelope(msg):
    global session
    session += 1
    msg.session_id = f"{ME};{int(time.time())};{session}"
    msg.vendor_specific_application_id = VendorSpecificApplicationId(vendor_id=TGPP, auth_application_id=CX)
    msg.auth_session_state = c.E_AUTH_SESSION_STATE_NO_STATE_MAINTAINED
    msg.origin_host = ME.encode()
    msg.origin_realm = REALM.encode()
    msg.destination_realm = REALM.encode()
    return msg


def mar(scheme, items):
    """A MAR with the TS 29.229 AVPs added by hand (python-diameter's MAR class uses the RFC 4740 codes)."""
    m = envelope(MultimediaAuthRequest())
    m.user_name = IMPI
    m.append_avp(Avp.new(c.AVP_TGPP_PUBLIC_IDENTITY, TGPP, value=IMPU))
    m.append_avp(Avp.new(c.AVP_TGPP_3GPP_SIP_NUMBER_AUTH_ITEMS, TGPP, value=items))
    item = Avp.new(c.AVP_TGPP_3GPP_SIP_AUTH_DATA_ITEM, TGPP)
    item.value = [Avp.new(c.AVP_TGPP_3GPP_SIP_AUTHENTICATION_SCHEME, TGPP, value=scheme)]
    m.append_avp(item)
    m.append_avp(Avp.new(c.AVP_TGPP_SERVER_NAME, TGPP, value=SERVER_NAME))
    return m


def main():
    node = Node(ME, REALM, vendor_ids=[TGPP])
    node.idle_timeout = 30
    hss = node.add_peer(f"aaa://hss.localdomain:{HSS_PORT};transport=tcp", REALM, ip_addresses=["127.0.0.1"], is_persistent=True)
    app = SimpleThreadingApplication(CX, is_auth_application=True)
    node.add_application(app, [hss])
    node.start()
    try:
        app.wait_for_ready(timeout=15)
        check("capabilities exchange with the HSS (python-diameter's CER: plain Auth-Application-Id)", app.is_ready.is_set())

        # UAR: first registration.
        uar = envelope(UserAuthorizationRequest())
        # python-diameter's UAR lacks Session-Id in its AVP list: add it by hand.
        uar.append_avp(Avp.new(c.AVP_SESSION_ID, value=uar.session_id))
        uar.user_name = IMPI
        uar.public_identity = IMPU
        uar.visited_network_identifier = REALM.encode()
        uaa = app.send_request(uar, timeout=10)
        check("UAR → UAA Exp 2001 DIAMETER_FIRST_REGISTRATION", result(uaa) == (None, 2001), str(result(uaa)))

        # UAR for an unknown user.
        uar = envelope(UserAuthorizationRequest())
        uar.append_avp(Avp.new(c.AVP_SESSION_ID, value=uar.session_id))
        uar.user_name = "nobody@localdomain"
        uar.public_identity = "sip:nobody@localdomain"
        uar.visited_network_identifier = REALM.encode()
        check("UAR unknown user → Exp 5001", result(app.send_request(uar, timeout=10)) == (None, 5001))

        # MAR: SIP Digest.
        mar_request = mar("SIP Digest", 1)
        maa = app.send_request(mar_request, timeout=10)
        ha1 = maa.find_avps((c.AVP_TGPP_3GPP_SIP_AUTH_DATA_ITEM, TGPP), (c.AVP_TGPP_SIP_DIGEST_AUTHENTICATE, TGPP), (c.AVP_DIGEST_HA1, 0))
        check("MAR SIP Digest → MAA 2001 with Digest-HA1", result(maa) == (2001, None) and len(ha1) == 1, f"{result(maa)} {ha1}")

        # MAR: IMS AKA, two vectors.
        mar_request = mar("Digest-AKAv1-MD5", 2)
        maa = app.send_request(mar_request, timeout=10)
        authenticate = [a.value if isinstance(a, Avp) else a for a in
                        maa.find_avps((c.AVP_TGPP_3GPP_SIP_AUTH_DATA_ITEM, TGPP), (c.AVP_TGPP_3GPP_SIP_AUTHENTICATE, TGPP))]
        check("MAR Digest-AKAv1-MD5 × 2 → two items, RAND‖AUTN of 32 octets", result(maa) == (2001, None)
              and len(authenticate) == 2 and all(len(a) == 32 for a in authenticate), f"{result(maa)} {len(authenticate)}")

        # SAR REGISTRATION → User-Data.
        sar = envelope(ServerAssignmentRequest())
        sar.user_name = IMPI
        sar.public_identity = [IMPU]
        sar.server_name = SERVER_NAME
        sar.server_assignment_type = c.E_SERVER_ASSIGNMENT_TYPE_REGISTRATION
        sar.user_data_already_available = c.E_USER_DATA_ALREADY_AVAILABLE_USER_DATA_NOT_AVAILABLE
        saa = app.send_request(sar, timeout=10)
        user_data = [u.value if isinstance(u, Avp) else u for u in saa.find_avps((c.AVP_TGPP_CX_USER_DATA, TGPP))]
        check("SAR REGISTRATION → SAA 2001 with User-Data", result(saa) == (2001, None) and user_data
              and b"<IMSSubscription>" in user_data[0], str(result(saa)))

        # LIR → the S-CSCF.
        lir = envelope(LocationInfoRequest())
        lir.public_identity = "tel:+15551230001"
        lia = app.send_request(lir, timeout=10)
        names = [n.value if isinstance(n, Avp) else n for n in lia.find_avps((c.AVP_TGPP_SERVER_NAME, TGPP))]
        check("LIR → LIA 2001 with the S-CSCF name", result(lia) == (2001, None) and names == [SERVER_NAME], f"{result(lia)} {names}")

        # UAR again: subsequent registration.
        uar = envelope(UserAuthorizationRequest())
        uar.append_avp(Avp.new(c.AVP_SESSION_ID, value=uar.session_id))
        uar.user_name = IMPI
        uar.public_identity = IMPU
        uar.visited_network_identifier = REALM.encode()
        check("UAR → UAA Exp 2002 SUBSEQUENT_REGISTRATION", result(app.send_request(uar, timeout=10)) == (None, 2002))

        # SAR USER_DEREGISTRATION → 2001; LIR then → Exp 5003.
        sar = envelope(ServerAssignmentRequest())
        sar.user_name = IMPI
        sar.public_identity = [IMPU]
        sar.server_name = SERVER_NAME
        sar.server_assignment_type = c.E_SERVER_ASSIGNMENT_TYPE_USER_DEREGISTRATION
        sar.user_data_already_available = c.E_USER_DATA_ALREADY_AVAILABLE_USER_DATA_ALREADY_AVAILABLE
        check("SAR USER_DEREGISTRATION → 2001", result(app.send_request(sar, timeout=10)) == (2001, None))
        lir = envelope(LocationInfoRequest())
        lir.public_identity = IMPU
        check("LIR for the de-registered user → Exp 5003 IDENTITY_NOT_REGISTERED", result(app.send_request(lir, timeout=10)) == (None, 5003))
    finally:
        node.stop(wait_timeout=5)
    print("python-diameter: " + ("PASSED" if checks.failures == 0 else f"{checks.failures} check(s) FAILED"))
    sys.exit(1 if checks.failures else 0)


if __name__ == "__main__":
    main()
