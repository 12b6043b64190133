"""python-diameter (PyPI) as two MMEs against `hss serve` with docs/examples/subscribers.json, over S6a
(TS 29.272): MME 1 attaches alice (AIR, ULR), MME 2 takes her over (ULR) and MME 1 must receive a CLR
MME_UPDATE_PROCEDURE on its own connection; then PUR and NOR from MME 2, and the refusals. Run by
scripts/python-diameter.sh; exit 0 when every check holds.
"""
import sys
import threading
import time

from diameter.message import constants as c
from diameter.message.avp.grouped import VendorSpecificApplicationId, RequestedEutranAuthenticationInfo
from diameter.message.commands import (
    AuthenticationInformationRequest, UpdateLocationRequest, PurgeUeRequest, NotifyRequest)

import checks
from checks import check, result, value

HSS_PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 3868
TGPP = 10415
S6A = 16777251
REALM = "localdomain"
IMSI = "001010000000001"
HOME_PLMN = bytes([0x00, 0xF1, 0x10])      # MCC 001, MNC 01 (TS 24.008 §10.5.1.13)
FOREIGN_PLMN = bytes([0x62, 0xF2, 0x20])   # MCC 262, MNC 02: not allowed for alice
RAT_EUTRAN = 1004

session = 0
cancelled = []
cancel_seen = threading.Event()


def envelope(msg, me):
    global session
    session += 1
    msg.session_id = f"{me};{int(time.time())};{session}"
    msg.vendor_specific_application_id = VendorSpecificApplicationId(vendor_id=TGPP, auth_application_id=S6A)
    msg.auth_session_state = c.E_AUTH_SESSION_STATE_NO_STATE_MAINTAINED
    msg.origin_host = me.encode()
    msg.origin_realm = REALM.encode()
    msg.destination_realm = REALM.encode()
    return msg


def start_mme(name, handler=None):
    return checks.start_node(name, S6A, HSS_PORT, handler)


def on_request(app, request):
    """MME 1 answers the HSS's CLR 2001 and records it."""
    answer = checks.success_answer(app, request, S6A)
    cancelled.append(request)
    cancel_seen.set()
    return answer


def air(me, vectors, plmn=HOME_PLMN, imsi=IMSI):
    m = envelope(AuthenticationInformationRequest(), me)
    m.user_name = imsi
    m.visited_plmn_id = plmn
    m.requested_eutran_authentication_info = RequestedEutranAuthenticationInfo(number_of_requested_vectors=vectors, immediate_response_preferred=1)
    return m


def ulr(me, plmn=HOME_PLMN, flags=0b10):
    m = envelope(UpdateLocationRequest(), me)
    m.user_name = IMSI
    m.rat_type = RAT_EUTRAN
    m.ulr_flags = flags
    m.visited_plmn_id = plmn
    return m


def main():
    node1, mme1 = start_mme("mme1.localdomain", on_request)
    node2, mme2 = start_mme("mme2.localdomain")
    try:
        check("capabilities exchange with the HSS as S6a peers", mme1.is_ready.is_set() and mme2.is_ready.is_set())

        aia = mme1.send_request(air("mme1.localdomain", 3), timeout=10)
        vectors = aia.find_avps((c.AVP_TGPP_AUTHENTICATION_INFO, TGPP), (c.AVP_TGPP_E_UTRAN_VECTOR, TGPP))
        kasme = aia.find_avps((c.AVP_TGPP_AUTHENTICATION_INFO, TGPP), (c.AVP_TGPP_E_UTRAN_VECTOR, TGPP), (c.AVP_TGPP_KASME, TGPP))
        autn = aia.find_avps((c.AVP_TGPP_AUTHENTICATION_INFO, TGPP), (c.AVP_TGPP_E_UTRAN_VECTOR, TGPP), (c.AVP_TGPP_AUTN, TGPP))
        check("AIR × 3 → AIA 2001 with three E-UTRAN vectors, 32-octet KASME, AMF separation bit set",
              result(aia) == (2001, None) and len(vectors) == 3 and all(len(value(k)) == 32 for k in kasme)
              and all(value(a)[6] & 0x80 for a in autn), f"{result(aia)} {len(vectors)}")

        check("AIR with a Visited-PLMN-Id that is not BCD → 5004",
              result(mme1.send_request(air("mme1.localdomain", 1, plmn=b"\x0a\xbc\xde"), timeout=10)) == (5004, None))
        check("AIR for an unknown IMSI → Exp 5001",
              result(mme1.send_request(air("mme1.localdomain", 1, imsi="001019999999999"), timeout=10)) == (None, 5001))

        ula = mme1.send_request(ulr("mme1.localdomain"), timeout=10)
        apns = ula.find_avps((c.AVP_TGPP_SUBSCRIPTION_DATA, TGPP), (c.AVP_TGPP_APN_CONFIGURATION_PROFILE, TGPP),
                             (c.AVP_TGPP_APN_CONFIGURATION, TGPP), (c.AVP_SERVICE_SELECTION, 0))
        check("ULR from MME 1 → ULA 2001 with ULA-Flags and the APN profile (internet, ims)",
              result(ula) == (2001, None) and sorted(value(a) for a in apns) == ["ims", "internet"], f"{result(ula)} {apns}")

        check("ULR from a PLMN alice may not roam in → Exp 5004",
              result(mme1.send_request(ulr("mme1.localdomain", plmn=FOREIGN_PLMN), timeout=10)) == (None, 5004))

        ula2 = mme2.send_request(ulr("mme2.localdomain"), timeout=10)
        check("ULR from MME 2 → ULA 2001", result(ula2) == (2001, None), str(result(ula2)))
        cancel_seen.wait(timeout=10)
        clr = cancelled[0] if cancelled else None
        ctype = value(clr.find_avps((c.AVP_TGPP_CANCELLATION_TYPE, TGPP))[0]) if clr else None
        check("MME 1 receives CLR MME_UPDATE_PROCEDURE for the IMSI on its own connection",
              clr is not None and clr.header.command_code == 317 and ctype == 0 and value(clr.find_avps((c.AVP_USER_NAME, 0))[0]) == IMSI,
              f"{clr} {ctype}")

        nor = envelope(NotifyRequest(), "mme1.localdomain")
        nor.user_name = IMSI
        check("NOR from MME 1 (no longer serving) → Exp 5423", result(mme1.send_request(nor, timeout=10)) == (None, 5423))

        pur = envelope(PurgeUeRequest(), "mme2.localdomain")
        pur.user_name = IMSI
        pua = mme2.send_request(pur, timeout=10)
        flags = pua.find_avps((c.AVP_TGPP_PUA_FLAGS, TGPP))
        check("PUR from MME 2 → PUA 2001 with PUA-Flags freeze M-TMSI", result(pua) == (2001, None) and flags and value(flags[0]) & 1 == 1,
              f"{result(pua)} {flags}")
    finally:
        node1.stop(wait_timeout=5)
        node2.stop(wait_timeout=5)
    print("python-diameter S6a: " + ("PASSED" if checks.failures == 0 else f"{checks.failures} check(s) FAILED"))
    sys.exit(1 if checks.failures else 0)


if __name__ == "__main__":
    main()
