"""What cx_client.py and s6a_mme.py share: recording checks, and reading AVP values and outcomes."""
from diameter.message import constants as c
from diameter.message.avp import Avp

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
