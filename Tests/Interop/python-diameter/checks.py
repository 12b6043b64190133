"""What the python-diameter interop scripts share: recording checks, reading AVP values and outcomes, starting
a node for one application, answering the HSS's requests."""
from diameter.message import constants as c
from diameter.message.avp import Avp

TGPP = 10415

failures = 0


def check(what, ok, detail=""):
    """Prints the check; counts it when it failed."""
    global failures
    print(("ok: " if ok else "FAILED: ") + what + (f" ({detail})" if detail and not ok else ""))
    if not ok:
        failures += 1


def value(v):
    """An AVP's value (find_avps gives AVPs or plain values)."""
    return v.value if isinstance(v, Avp) else v


def result(answer):
    """(Result-Code, Experimental-Result-Code) of an answer."""
    rc = answer.find_avps((c.AVP_RESULT_CODE, 0))
    exp = answer.find_avps((c.AVP_EXPERIMENTAL_RESULT, 0), (c.AVP_EXPERIMENTAL_RESULT_CODE, 0))
    return (value(rc[0]) if rc else None, value(exp[0]) if exp else None)


def start_node(name, app_id, port, handler=None, validate=True, realm="localdomain"):
    """A python-diameter node connected to the HSS at 127.0.0.1:`port` for one application, ready.
    `validate=False`: received requests are not checked against python-diameter's dictionary (its PNR and PPR
    classes do not follow TS 29.329 and TS 29.229: a correct request would be refused before reaching us)."""
    from diameter.node import Node
    from diameter.node.application import SimpleThreadingApplication
    node = Node(name, realm, vendor_ids=[TGPP])
    node.idle_timeout = 30
    node.validate_received_request_avps = validate
    hss = node.add_peer(f"aaa://hss.localdomain:{port};transport=tcp", realm, ip_addresses=["127.0.0.1"], is_persistent=True)
    app = SimpleThreadingApplication(app_id, is_auth_application=True, request_handler=handler)
    node.add_application(app, [hss])
    node.start()
    app.wait_for_ready(timeout=15)
    return node, app


def success_answer(app, request, app_id):
    """The 2001 answer to an HSS-initiated request, with Vendor-Specific-Application-Id and
    Auth-Session-State even where python-diameter's answer class lacks them (its PPA has neither)."""
    from diameter.message.avp.grouped import VendorSpecificApplicationId
    answer = app.generate_answer(request, result_code=c.E_RESULT_CODE_DIAMETER_SUCCESS)
    answer.vendor_specific_application_id = VendorSpecificApplicationId(vendor_id=TGPP, auth_application_id=app_id)
    answer.auth_session_state = c.E_AUTH_SESSION_STATE_NO_STATE_MAINTAINED
    if not answer.find_avps((c.AVP_VENDOR_SPECIFIC_APPLICATION_ID, 0)):
        vsai = Avp.new(c.AVP_VENDOR_SPECIFIC_APPLICATION_ID)
        vsai.value = [Avp.new(c.AVP_VENDOR_ID, value=TGPP), Avp.new(c.AVP_AUTH_APPLICATION_ID, value=app_id)]
        answer.append_avp(vsai)
    if not answer.find_avps((c.AVP_AUTH_SESSION_STATE, 0)):
        answer.append_avp(Avp.new(c.AVP_AUTH_SESSION_STATE, value=c.E_AUTH_SESSION_STATE_NO_STATE_MAINTAINED))
    return answer
