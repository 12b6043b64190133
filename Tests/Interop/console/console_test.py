"""The operator console in headless Chromium (driven over the DevTools protocol, cdp.py) against `hss serve`:
log in (a wrong token refused), find alice, open her; a Cx SAR from a python-diameter S-CSCF in this process
registers her and the page shows it; de-register her and see the RTR's outcome (the S-CSCF answers 2001);
create a subscriber with a bad K and see the error next to the field; keyboard focus; the cluster page (a
single node, and, when --cluster-api is given, a 3-node cluster); the API page. Screenshots go to the
artefacts directory. Run by scripts/console-chromium.sh; exit 0 when every check holds.

  console_test.py DEBUG_PORT API_BASE DIAMETER_PORT TOKEN ARTEFACTS [--cluster-api BASE --cluster-token T]
"""
import argparse
import os
import sys

from diameter.message import constants as c
from diameter.message.avp.grouped import VendorSpecificApplicationId
from diameter.message.commands import ServerAssignmentRequest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python-diameter"))
import checks  # noqa: E402
from checks import check, result  # noqa: E402
from cdp import Page  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("debug_port", type=int)
ap.add_argument("api")
ap.add_argument("diameter_port", type=int)
ap.add_argument("token")
ap.add_argument("artefacts")
ap.add_argument("--cluster-api")
ap.add_argument("--cluster-token")
args = ap.parse_args()

TGPP, CX, REALM = 10415, 16777216, "localdomain"
ME = "console-scscf.localdomain"
rtrs = []


def on_request(app, request):
    """The S-CSCF answers the HSS's RTR and PPR 2001."""
    rtrs.append(request.header.command_code)
    return checks.success_answer(app, request, CX)


def shot(page, name):
    path = os.path.join(args.artefacts, name + ".png")
    page.screenshot(path)
    print("screenshot: " + path)


def text(page):
    return page.js("document.getElementById('view').innerText")


def main():
    os.makedirs(args.artefacts, exist_ok=True)
    page = Page(args.debug_port)
    base = args.api.rstrip("/")
    page.goto(base + "/console")
    page.wait("login dialog", "document.getElementById('login') && document.getElementById('login').open")
    shot(page, "01-login")

    # Keyboard: the first Tab reaches the skip link; the token field is labelled.
    check("the token field has a label", page.js("document.querySelector('label[for=token]') !== null"))
    page.js("document.getElementById('token').value = 'wrong-token-000000'; document.getElementById('login-form').requestSubmit()")
    check("a wrong token is refused with a message",
          bool(page.wait("refusal", "document.getElementById('login-error').textContent")), page.js("document.getElementById('login-error').textContent"))
    page.js(f"document.getElementById('token').value = {args.token!r}; document.getElementById('login-form').requestSubmit()")
    page.wait("login", "!document.getElementById('login').open")
    check("the token is kept in sessionStorage only", page.js(f"sessionStorage.getItem('hss-token') === {args.token!r} && localStorage.length === 0"))

    page.js("location.hash = '#/?kind=identity&q=' + encodeURIComponent('sip:alice@localdomain')")
    page.wait("search results", "document.querySelector('#results a') !== null")
    check("searching sip:alice@localdomain finds alice", page.js("document.querySelector('#results a').textContent") == "alice")
    page.js("location.hash = '#/?kind=msisdn&q=15551230001'")
    page.wait("MSISDN search", "document.querySelector('#results a') && location.hash.includes('msisdn')")
    check("searching by MSISDN (tel:+) finds alice", page.js("document.querySelector('#results a').textContent") == "alice")
    page.js("document.querySelector('#results a').click()")
    page.wait("alice's page", "document.getElementById('registration') !== null")
    check("alice's page: identities, profile and NOT_REGISTERED", "sip:alice@localdomain" in text(page) and "NOT_REGISTERED" in text(page), text(page)[:300])
    check("no secret on the page", "K/OPc provisioned" in text(page) and "3031323334" not in page.js("document.body.innerHTML"))
    shot(page, "02-alice")

    # A Cx SAR from an S-CSCF (python-diameter) registers her.
    # python-diameter's PPR class follows RFC 4740, not TS 29.229: received requests are not checked against it.
    node, app = checks.start_node(ME, CX, args.diameter_port, on_request, validate=False)
    try:
        sar = ServerAssignmentRequest()
        sar.session_id = f"{ME};1;1"
        sar.vendor_specific_application_id = VendorSpecificApplicationId(vendor_id=TGPP, auth_application_id=CX)
        sar.auth_session_state = c.E_AUTH_SESSION_STATE_NO_STATE_MAINTAINED
        sar.origin_host, sar.origin_realm, sar.destination_realm = ME.encode(), REALM.encode(), REALM.encode()
        sar.user_name = "alice@localdomain"
        sar.public_identity = ["sip:alice@localdomain"]
        sar.server_name = "sip:console-scscf.localdomain:6060"
        sar.server_assignment_type = c.E_SERVER_ASSIGNMENT_TYPE_REGISTRATION
        sar.user_data_already_available = c.E_USER_DATA_ALREADY_AVAILABLE_USER_DATA_NOT_AVAILABLE
        check("Cx SAR REGISTRATION → 2001", result(app.send_request(sar, timeout=10)) == (2001, None))
        page.js("location.reload()")
        page.wait("alice registered", "document.getElementById('registration') && document.getElementById('registration').innerText.includes('sip:console-scscf.localdomain:6060')")
        check("after the SAR the page shows her REGISTERED at the S-CSCF", "REGISTERED" in page.js("document.getElementById('registration').innerText"))
        shot(page, "03-registered")

        page.js("document.getElementById('ppr').click()")
        pushed = page.wait("PPR outcome", "(() => { const t = (document.querySelector('#outcome table') || {}).innerText; return t && t.includes('PPR') ? t : null })()")
        check("push profile: the PPR's outcome is shown (2001 from the S-CSCF)", "2001" in pushed and 305 in rtrs, pushed)

        page.js("document.getElementById('reason').value = 'SERVER_CHANGE'; document.getElementById('dereg').click()")
        outcome = page.wait("RTR outcome", "(() => { const t = (document.querySelector('#outcome table') || {}).innerText; return t && t.includes('RTR') ? t : null })()")
        check("de-register: the RTR's outcome is shown (Result-Code 2001 from the S-CSCF)", "RTR" in outcome and "2001" in outcome, outcome)
        page.wait("not registered", "!document.getElementById('registration').innerText.includes('console-scscf')")
        check("… and she is NOT_REGISTERED again", "NOT_REGISTERED" in page.js("document.getElementById('registration').innerText") and 304 in rtrs)
        shot(page, "04-deregistered")
    finally:
        node.stop(wait_timeout=5)

    # A subscriber with a bad K: the API's error next to the K field.
    page.js("location.hash = '#/new'")
    page.wait("new form", "document.getElementById('f-k') !== null")
    page.js("""(() => { const v = {'f-id': 'console-dave', 'f-impi': 'dave@localdomain', 'f-impus': 'sip:dave@localdomain', 'f-k': 'xyz', 'f-opc': '000102030405060708090a0b0c0d0e0f'};
      for (const [k, x] of Object.entries(v)) document.getElementById(k).value = x;
      document.getElementById('new-form').requestSubmit(); })()""")
    err = page.wait("K error", "document.getElementById('f-k-error').textContent")
    check("a bad K is refused with the error next to the K field", bool(err) and page.js("document.getElementById('f-k').getAttribute('aria-invalid')") == "true", err)
    shot(page, "05-bad-field")
    page.js("document.getElementById('f-k').value = '000102030405060708090a0b0c0d0e0f'; document.getElementById('new-form').requestSubmit()")
    page.wait("created", "location.hash === '#/s/console-dave' && document.getElementById('registration') !== null")
    check("with a good K the subscriber is created and opened", "dave@localdomain" in text(page))

    # Keyboard navigation: the skip link is the first thing to focus; Tab moves on to the navigation, Enter follows it.
    check("the skip link comes first in focus order",
          page.js("document.querySelector('a[href], button, input, select, textarea').className") == "skip")
    page.js("document.querySelector('.skip').focus()")
    page.key("Tab", "Tab", 9)
    check("Tab from the skip link reaches the navigation", page.js("document.activeElement.textContent") == "Subscribers", page.js("document.activeElement.outerHTML"))
    page.key("Tab", "Tab", 9)
    page.key("Enter", "Enter", 13)
    page.wait("new subscriber by keyboard", "location.hash === '#/new'")

    # Bulk import: three subscribers and one bad line, with progress.
    ndjson = os.path.join(args.artefacts, "import.ndjson")
    with open(ndjson, "w") as f:
        for i in range(3):
            f.write('{"id":"imp%d","privateIdentities":[{"identity":"imp%d@localdomain","authenticationSchemes":["SIP Digest"],'
                    '"digest":{"realm":"localdomain","password":"p%d"}}],"publicIdentities":[{"identity":"sip:imp%d@localdomain",'
                    '"serviceProfile":"p","privateIdentities":["imp%d@localdomain"]}],"serviceProfiles":[{"id":"p"}]}\n' % (i, i, i, i, i))
        f.write('{"id":"broken"}\n')
    page.js("location.hash = '#/import'")
    page.wait("import form", "document.getElementById('file') !== null")
    root = page.call("DOM.getDocument")["root"]["nodeId"]
    node_id = page.call("DOM.querySelector", nodeId=root, selector="#file")["nodeId"]
    page.call("DOM.setFileInputFiles", files=[os.path.abspath(ndjson)], nodeId=node_id)
    page.js("document.querySelector('#view form').requestSubmit()")
    done = page.wait("import done", "(() => { const t = document.getElementById('import-log').innerText; return t.includes('imported of 4') && document.querySelector('#import-log ul') ? t : null })()")
    check("import: 3 of 4 imported, the bad line reported, progress at the end",
          "3 imported of 4" in done and "line 4" in done and page.js("document.getElementById('progress').value") == 4, done)
    shot(page, "06-import")

    page.js("location.hash = '#/cluster'")
    page.wait("cluster page", "document.querySelector('#rates table') !== null && document.querySelector('#chart svg') !== null", timeout=20)
    page.wait("a rate", "[...document.querySelectorAll('#rates td')].some(td => /^[0-9]+\\.[0-9]$/.test(td.textContent))", timeout=10)
    t = text(page)
    check("cluster page (single node): says so, lists SAR with its percentiles, plots the rate", "Single node" in t and "SAR" in t, t[:400])
    shot(page, "07-health")

    page.js("location.hash = '#/api'")
    page.wait("API page", "document.querySelectorAll('details').length > 5")
    check("the API page lists the OpenAPI operations", "GET /api/v1/subscriptions" in text(page))
    foreign = page.js("performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))")
    check("no resource from another origin was loaded", foreign == [], str(foreign))
    shot(page, "08-api")

    if args.cluster_api:
        page.goto(args.cluster_api.rstrip("/") + "/console#/cluster")
        page.wait("login (cluster)", "document.getElementById('login') && document.getElementById('login').open")
        page.js(f"document.getElementById('token').value = {args.cluster_token!r}; document.getElementById('login-form').requestSubmit()")
        rows = page.wait("3 nodes", "(() => { const r = [...document.querySelectorAll('#cluster tbody tr')].map(tr => tr.innerText); return r.length === 3 && r.some(x => x.includes('leader')) ? r : null })()", timeout=20)
        check("cluster page on 3 nodes: n1-n3, one leader, followers with their lag", len(rows) == 3 and sum("follower" in r for r in rows) == 2, str(rows))
        shot(page, "09-cluster")

    print("console: " + ("PASSED" if checks.failures == 0 else f"{checks.failures} check(s) FAILED"))
    sys.exit(1 if checks.failures else 0)


if __name__ == "__main__":
    main()
