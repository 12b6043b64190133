// Generated from Sources/ProvisioningAPI/Console/ by scripts/console.py (a test checks they are equal). Do not edit.
enum ConsoleAssets {
    static let index = ##"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>HSS console</title>
<link rel="stylesheet" href="/console/console.css">
</head>
<body>
<a class="skip" href="#view">Skip to content</a>
<header>
  <h1>HSS console</h1>
  <nav aria-label="Main">
    <ul>
      <li><a href="#/">Subscribers</a></li>
      <li><a href="#/new">New subscriber</a></li>
      <li><a href="#/import">Import</a></li>
      <li><a href="#/cluster">Cluster and health</a></li>
      <li><a href="#/api">API</a></li>
      <li><button type="button" id="logout">Log out</button></li>
    </ul>
  </nav>
</header>
<p id="status" role="status" aria-live="polite"></p>
<main id="view" tabindex="-1"></main>
<dialog id="login" aria-labelledby="login-title">
  <form id="login-form" method="dialog">
    <h2 id="login-title">Log in</h2>
    <p>The console uses the provisioning API with one of its tokens (kept in this tab's session storage only).</p>
    <label for="token">API token</label>
    <input id="token" name="token" type="password" autocomplete="off" required aria-describedby="login-error">
    <p class="error" id="login-error" role="alert"></p>
    <button type="submit">Log in</button>
  </form>
</dialog>
<script src="/console/console.js"></script>
</body>
</html>
"""##
    static let css = ##"""
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0a58ca; --bad: #b42318; --good: #116329; --bg: #fff; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px; z-index: 10; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 16px; padding: 8px 16px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0; }
nav ul { display: flex; gap: 12px; list-style: none; margin: 0; padding: 0; flex-wrap: wrap; }
nav a { color: var(--accent); text-decoration: none; padding: 4px 6px; border-radius: 4px; }
nav a[aria-current="page"] { background: #ddf4ff; }
a:focus, button:focus, input:focus, select:focus, textarea:focus { outline: 3px solid #80b3ff; outline-offset: 1px; }
main { padding: 16px; max-width: 1200px; }
#status { margin: 0; padding: 4px 16px; min-height: 1.5em; color: var(--muted); }
h2 { font-size: 17px; margin: 20px 0 8px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
label { display: block; font-weight: 600; margin-top: 10px; }
input, select, textarea { font: inherit; padding: 4px 6px; border: 1px solid var(--line); border-radius: 4px; }
input[type=text], input[type=password], textarea { width: min(100%, 560px); }
textarea { width: 100%; min-height: 360px; font-family: ui-monospace, monospace; font-size: 13px; }
button { font: inherit; padding: 5px 12px; border: 1px solid var(--line); border-radius: 4px; background: #f6f8fa; cursor: pointer; margin: 4px 4px 4px 0; }
button.danger { color: var(--bad); }
.error { color: var(--bad); margin: 2px 0; min-height: 0; }
.ok { color: var(--good); }
.hint { color: var(--muted); font-size: 13px; }
.row { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
pre { background: #f6f8fa; padding: 8px; overflow: auto; }
svg { border: 1px solid var(--line); background: #fff; }
details { margin: 4px 0; }
dialog { border: 1px solid var(--line); border-radius: 8px; }
"""##
    static let js = ##"""
// The operator console (docs/console.md): a small single-page application over the provisioning API and
// /metrics. No framework, no external resource; every value from the HSS is put in the page as text
// (never as HTML). The API token lives in this tab's sessionStorage only.
"use strict";

const view = document.getElementById("view");
const statusLine = document.getElementById("status");

// MARK: helpers

/** An element: h("p", {class: "x"}, "text", child, ...). Strings become text nodes. */
function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function say(text) { statusLine.textContent = text; }

function show(title, ...content) {
  view.replaceChildren(h("h2", {}, title), ...content.flat(Infinity).filter(c => c !== undefined && c !== null && c !== false));
  document.title = title + " · HSS console";
  view.focus();
}

function table(head, rows) {
  return h("table", {}, h("thead", {}, h("tr", {}, head.map(x => h("th", { scope: "col" }, x)))),
    h("tbody", {}, rows.map(r => h("tr", {}, r.map(c => h("td", {}, c))))));
}

class APIError extends Error {
  constructor(status, body) { super(body && body.error ? body.error : "HTTP " + status); this.status = status; this.body = body; }
}

function token() { return sessionStorage.getItem("hss-token"); }

/** A call to the API with the session's token; a 401 asks for a token again. */
async function api(method, path, body, contentType) {
  const headers = { "Authorization": "Bearer " + token() };
  if (body !== undefined) headers["Content-Type"] = contentType || "application/json";
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : (typeof body === "string" ? body : JSON.stringify(body)) });
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (_) { json = null; }
  if (r.status === 401) { login("The token was refused."); throw new APIError(401, json); }
  if (!r.ok) throw new APIError(r.status, json);
  return json;
}

/** The outcome of HSS-initiated requests (RTR, PPR, CLR, IDR, DSR, PNR) as a table. */
function deliveries(list) {
  if (!list || list.length === 0) return h("p", { class: "hint" }, "No request was sent to a peer.");
  return table(["command", "peer", "user", "outcome"], list.map(d => [d.command, d.destinationHost, d.userName,
    d.failure ? h("span", { class: "error" }, "failed: " + d.failure)
      : h("span", { class: d.resultCode === 2001 ? "ok" : "error" }, (d.experimental ? "Experimental-Result " : "Result-Code ") + d.resultCode)]));
}

function errorsOf(e) {
  if (e instanceof APIError && e.body && e.body.fields) return e.body.fields;
  return null;
}

// MARK: login

function login(message) {
  const dialog = document.getElementById("login");
  document.getElementById("login-error").textContent = message || "";
  if (!dialog.open) dialog.showModal();
  document.getElementById("token").focus();
}

document.getElementById("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const value = document.getElementById("token").value.trim();
  sessionStorage.setItem("hss-token", value);
  try {
    await api("GET", "/api/v1/subscriptions?limit=1");
    document.getElementById("login").close();
    document.getElementById("token").value = "";
    route();
  } catch (e) {
    sessionStorage.removeItem("hss-token");
    document.getElementById("login-error").textContent = e.status === 401 ? "That token is not accepted." : String(e.message);
  }
});

document.getElementById("logout").addEventListener("click", () => { sessionStorage.removeItem("hss-token"); login("Logged out."); });

// MARK: subscribers

async function searchPage() {
  const q = new URLSearchParams(location.hash.split("?")[1] || "");
  const input = h("input", { id: "q", name: "q", type: "text", value: q.get("q") || "", "aria-describedby": "q-hint" });
  const kind = h("select", { id: "kind", name: "kind" },
    [["identity", "IMPI, IMPU or IMSI"], ["msisdn", "MSISDN"], ["prefix", "subscription id prefix"]]
      .map(([v, t]) => h("option", { value: v, selected: (q.get("kind") || "identity") === v }, t)));
  const results = h("div", { id: "results", "aria-live": "polite" });
  const form = h("form", { role: "search", onsubmit: (ev) => { ev.preventDefault(); location.hash = "#/?kind=" + encodeURIComponent(kind.value) + "&q=" + encodeURIComponent(input.value.trim()); } },
    h("div", { class: "row" },
      h("div", {}, h("label", { for: "q" }, "Find a subscriber"), input),
      h("div", {}, h("label", { for: "kind" }, "by"), kind),
      h("button", { type: "submit" }, "Search")),
    h("p", { class: "hint", id: "q-hint" }, "Empty: the first subscriptions in order. MSISDN: digits, as in tel:+<digits>."));
  show("Subscribers", form, results);
  const text = q.get("q") || "";
  let path = "/api/v1/subscriptions?limit=50";
  if (text && q.get("kind") === "prefix") path += "&prefix=" + encodeURIComponent(text);
  else if (text && q.get("kind") === "msisdn") path += "&identity=" + encodeURIComponent("tel:+" + text.replace(/^\+/, ""));
  else if (text) path += "&identity=" + encodeURIComponent(text);
  try {
    const list = await api("GET", path);
    results.replaceChildren(list.items.length === 0 ? h("p", {}, "No subscription found.")
      : h("ul", {}, list.items.map(id => h("li", {}, h("a", { href: "#/s/" + encodeURIComponent(id) }, id)))),
      list.next ? h("p", { class: "hint" }, "More after " + list.next + " (narrow the search).") : null);
  } catch (e) { results.replaceChildren(h("p", { class: "error" }, String(e.message))); }
}

async function detailPage(id) {
  show("Subscriber " + id, h("p", {}, "Loading…"));
  let s, reg, sh;
  try {
    [s, reg, sh] = await Promise.all([api("GET", "/api/v1/subscriptions/" + encodeURIComponent(id)),
      api("GET", "/api/v1/subscriptions/" + encodeURIComponent(id) + "/registration"),
      api("GET", "/api/v1/subscriptions/" + encodeURIComponent(id) + "/sh").catch(() => null)]);
  } catch (e) { show("Subscriber " + id, h("p", { class: "error" }, String(e.message))); return; }
  const outcome = h("div", { id: "outcome", "aria-live": "polite" });
  const stateOf = {};
  for (const i of reg.identities || []) stateOf[i.identity] = i.state;
  const reason = h("select", { id: "reason" }, ["PERMANENT_TERMINATION", "NEW_SERVER_ASSIGNED", "SERVER_CHANGE", "REMOVE_S-CSCF"]
    .map(r => h("option", { value: r }, r)));
  async function act(label, f) {
    outcome.replaceChildren(h("p", {}, label + "…"));
    try { const r = await f(); outcome.replaceChildren(h("h3", {}, label), deliveries(r.requests || r.pushProfile || [])); await refreshRegistration(); }
    catch (e) { outcome.replaceChildren(h("p", { class: "error" }, label + ": " + e.message)); }
  }
  const regBox = h("div", { id: "registration" });
  async function refreshRegistration() {
    const r = await api("GET", "/api/v1/subscriptions/" + encodeURIComponent(id) + "/registration");
    regBox.replaceChildren(registration(r));
  }
  regBox.append(registration(reg));
  show("Subscriber " + id,
    h("div", { class: "row" },
      h("a", { href: "#/edit/" + encodeURIComponent(id) }, "Edit"),
      h("div", {}, h("label", { for: "reason" }, "De-registration reason"), reason),
      h("button", { type: "button", id: "dereg", onclick: () => act("De-registration (RTR)", () => api("POST", "/api/v1/subscriptions/" + encodeURIComponent(id) + "/deregister", { reason: reason.value })) }, "De-register"),
      h("button", { type: "button", id: "ppr", onclick: () => act("Push profile (PPR)", () => api("POST", "/api/v1/subscriptions/" + encodeURIComponent(id) + "/push-profile", {})) }, "Push profile"),
      h("button", { type: "button", class: "danger", id: "delete", onclick: async () => {
        if (!confirm("Delete subscription " + id + "? Its S-CSCF and MME are told first.")) return;
        try { const r = await api("DELETE", "/api/v1/subscriptions/" + encodeURIComponent(id)); show("Deleted " + id, deliveries(r.requests)); }
        catch (e) { outcome.replaceChildren(h("p", { class: "error" }, String(e.message))); }
      } }, "Delete")),
    outcome,
    h("h2", {}, "Registration"), regBox,
    h("h2", {}, "Private identities"),
    table(["identity", "schemes", "AKA", "Digest"], s.privateIdentities.map(p => [p.identity, p.authenticationSchemes.join(", "),
      p.aka ? "AMF " + p.aka.amf + (p.aka.secretsProvisioned ? ", K/OPc provisioned" : "") : "—",
      p.digest ? p.digest.realm + (p.digest.secretsProvisioned ? ", HA1 provisioned" : "") : "—"])),
    h("h2", {}, "Public identities"),
    table(["identity", "type", "barred", "implicit set", "profile", "state"], s.publicIdentities.map(p => [p.identity, p.type || "PUBLIC_USER_IDENTITY",
      p.barred ? "yes" : "no", p.implicitSet === undefined ? 1 : p.implicitSet, p.serviceProfile, stateOf[p.identity] || "NOT_REGISTERED"])),
    h("h2", {}, "Service profiles and initial filter criteria"),
    s.serviceProfiles.map(sp => h("div", { class: "card" }, h("h3", {}, "Profile " + sp.id),
      (sp.initialFilterCriteria || []).length === 0 ? h("p", { class: "hint" }, "No iFC.")
        : table(["priority", "application server", "default handling", "trigger"], sp.initialFilterCriteria.map(f => [f.priority,
          f.applicationServer.serverName, f.applicationServer.defaultHandling || "—", f.triggerPoint ? JSON.stringify(f.triggerPoint) : "always"])))),
    s.eps ? [h("h2", {}, "EPS (S6a)"), table(["IMSI", "MSISDN", "APNs"], [[s.eps.imsi, s.eps.msisdn || "—", (s.eps.apns || []).map(a => a.name).join(", ")]])] : null,
    sh ? [h("h2", {}, "Sh"), h("p", {}, (sh.repositoryData || []).length + " repository data item(s), " + (sh.subscriptions || []).length + " AS subscription(s)"),
      (sh.subscriptions || []).length ? table(["AS", "identity", "data", "expires"], sh.subscriptions.map(x => [x.applicationServer, x.identity, x.dataReference, x.expires || "never"])) : null] : null);
}

function registration(r) {
  const rows = [];
  rows.push(["S-CSCF", r.scscf ? r.scscf.serverName + " (" + r.scscf.originHost + (r.scscf.authenticationPending ? ", authentication pending" : "") + ")" : "none"]);
  rows.push(["serving MME", r.mme ? r.mme.originHost + " (" + r.mme.visitedPLMN + ", " + r.mme.ratType + (r.mme.purged ? ", purged" : "") + ")" : "none"]);
  for (const i of r.identities || []) rows.push([i.identity, i.state]);
  return table(["", "state"], rows);
}

/** A form's fields with the API's validation errors next to them. */
function field(id, label, attrs, hint) {
  return h("div", {}, h("label", { for: id }, label),
    h("input", Object.assign({ id, name: id, type: "text", "aria-describedby": id + "-error" + (hint ? " " + id + "-hint" : "") }, attrs || {})),
    hint ? h("p", { class: "hint", id: id + "-hint" }, hint) : null,
    h("p", { class: "error", id: id + "-error" }));
}

/** API field paths → the form's inputs. */
const fieldOfPath = [[/^id$/, "f-id"], [/^privateIdentities\[0\]\.identity/, "f-impi"], [/^privateIdentities\[0\]\.aka\.k/, "f-k"],
  [/^privateIdentities\[0\]\.aka\.(opc|op)/, "f-opc"], [/^privateIdentities\[0\]\.aka\.amf/, "f-amf"], [/^privateIdentities/, "f-impi"],
  [/^publicIdentities/, "f-impus"], [/^eps\.imsi/, "f-imsi"], [/^eps\.msisdn/, "f-msisdn"], [/^eps/, "f-imsi"]];

function newPage() {
  const form = h("form", { id: "new-form", novalidate: true },
    field("f-id", "Subscription id", { required: true }),
    field("f-impi", "Private identity (IMPI)", { required: true }, "e.g. 001010000000123@ims.mnc001.mcc001.3gppnetwork.org"),
    field("f-impus", "Public identities (IMPU)", { required: true }, "comma-separated; one implicit set"),
    field("f-k", "K", { type: "password", autocomplete: "off" }, "32 hex digits; write-only: never shown again"),
    field("f-opc", "OPc", { type: "password", autocomplete: "off" }, "32 hex digits; write-only"),
    field("f-amf", "AMF", { value: "8000" }, "4 hex digits"),
    field("f-imsi", "IMSI (EPS, optional)"),
    field("f-msisdn", "MSISDN (EPS, optional)"),
    h("p", { class: "error", id: "form-error", role: "alert" }),
    h("button", { type: "submit" }, "Create"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    for (const e of form.querySelectorAll(".error")) e.textContent = "";
    const v = (id) => document.getElementById(id).value.trim();
    const impi = v("f-impi");
    const s = {
      id: v("f-id"),
      privateIdentities: [{ identity: impi, authenticationSchemes: ["Digest-AKAv1-MD5"], aka: { k: v("f-k"), opc: v("f-opc"), amf: v("f-amf") } }],
      publicIdentities: v("f-impus").split(",").map(x => x.trim()).filter(x => x).map(x => ({ identity: x, serviceProfile: "default", privateIdentities: [impi] })),
      serviceProfiles: [{ id: "default" }],
    };
    if (v("f-imsi")) s.eps = { imsi: v("f-imsi"), akaIdentity: impi, msisdn: v("f-msisdn") || undefined, defaultContextIdentifier: 1, apns: [{ contextIdentifier: 1, name: "internet" }] };
    if (!s.id) { document.getElementById("f-id-error").textContent = "required"; return; }
    try {
      await api("PUT", "/api/v1/subscriptions/" + encodeURIComponent(s.id), s);
      say("Created " + s.id);
      location.hash = "#/s/" + encodeURIComponent(s.id);
    } catch (e) { showFieldErrors(e, "form-error"); }
  });
  show("New subscriber", form);
}

function showFieldErrors(e, fallback) {
  const fields = errorsOf(e);
  if (!fields) { document.getElementById(fallback).textContent = String(e.message); return; }
  for (const [path, reason] of Object.entries(fields)) {
    const match = fieldOfPath.find(([re]) => re.test(path));
    const target = match && document.getElementById(match[1] + "-error");
    if (target) { target.textContent = reason; document.getElementById(match[1]).setAttribute("aria-invalid", "true"); }
    else document.getElementById(fallback).textContent += path + ": " + reason + " ";
  }
}

async function editPage(id) {
  let s;
  try { s = await api("GET", "/api/v1/subscriptions/" + encodeURIComponent(id)); } catch (e) { show("Edit " + id, h("p", { class: "error" }, String(e.message))); return; }
  // Secrets are write-only: the editor shows none; an identity left without them keeps the stored ones.
  for (const p of s.privateIdentities) { if (p.aka) { p.aka = { amf: p.aka.amf }; } if (p.digest) delete p.digest; }
  const area = h("textarea", { id: "json", "aria-describedby": "json-hint json-error", spellcheck: "false" }, JSON.stringify(s, null, 2));
  const form = h("form", {},
    h("label", { for: "json" }, "Subscription (JSON, the subscriber file's form)"),
    h("p", { class: "hint", id: "json-hint" }, "K, OPc and HA1 are write-only: add \"k\"/\"opc\" to aka (or a digest object) to change them; an identity without them keeps what is stored."),
    area, h("p", { class: "error", id: "json-error", role: "alert" }), h("button", { type: "submit" }, "Save"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const err = document.getElementById("json-error");
    err.textContent = "";
    let body;
    try { body = JSON.parse(area.value); } catch (e) { err.textContent = "Not JSON: " + e.message; return; }
    for (const p of body.privateIdentities || []) if (p.aka && !p.aka.k) delete p.aka;
    try {
      const r = await api("PUT", "/api/v1/subscriptions/" + encodeURIComponent(id) + "?keepSecrets=true", body);
      show("Saved " + id, h("p", {}, h("a", { href: "#/s/" + encodeURIComponent(id) }, "Back to " + id)), h("h3", {}, "Push profile (PPR)"), deliveries(r.pushProfile), h("h3", {}, "MME"), deliveries(r.mmeRequests));
    } catch (e) {
      const fields = errorsOf(e);
      err.textContent = fields ? Object.entries(fields).map(([k, v]) => k + ": " + v).join("; ") : String(e.message);
    }
  });
  show("Edit " + id, form);
}

function importPage() {
  const file = h("input", { id: "file", type: "file", accept: ".ndjson,.json,.txt" });
  const bar = h("progress", { id: "progress", max: 1, value: 0, "aria-label": "import progress" });
  const log = h("div", { id: "import-log", "aria-live": "polite" });
  const form = h("form", {}, h("label", { for: "file" }, "NDJSON file (one subscription per line)"), file,
    h("p", {}, bar), h("button", { type: "submit" }, "Import"), log);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!file.files[0]) { log.replaceChildren(h("p", { class: "error" }, "Choose a file.")); return; }
    const lines = (await file.files[0].text()).split("\n").filter(l => l.trim());
    bar.max = lines.length;
    let imported = 0; const failed = [];
    for (let i = 0; i < lines.length; i += 500) {
      const chunk = lines.slice(i, i + 500);
      try {
        const r = await api("POST", "/api/v1/import", chunk.join("\n") + "\n", "application/x-ndjson");
        imported += r.imported;
        for (const f of r.failed || []) failed.push("line " + (i + f.line) + ": " + f.error);
      } catch (e) { failed.push("lines " + (i + 1) + "-" + (i + chunk.length) + ": " + e.message); }
      bar.value = Math.min(lines.length, i + chunk.length);
      log.replaceChildren(h("p", {}, imported + " imported of " + lines.length + (failed.length ? ", " + failed.length + " failed" : "")));
    }
    log.append(h("ul", {}, failed.slice(0, 100).map(f => h("li", { class: "error" }, f))));
  });
  show("Import", form);
}

// MARK: cluster and health

const rateHistory = []; // {t, rates: {command: perSecond}} since the page opened
let lastSample = null;
let timer = null;

function parseMetrics(text) {
  const counts = {}, buckets = {};
  for (const line of text.split("\n")) {
    let m = line.match(/^hss_diameter_requests_total\{command="([^"]+)"\} ([0-9.e+]+)/);
    if (m) { counts[m[1]] = Number(m[2]); continue; }
    m = line.match(/^hss_diameter_request_duration_seconds_bucket\{command="([^"]+)",le="([^"]+)"\} ([0-9.e+]+)/);
    if (m) (buckets[m[1]] = buckets[m[1]] || []).push([m[2] === "+Inf" ? Infinity : Number(m[2]), Number(m[3])]);
  }
  return { counts, buckets };
}

function percentile(b, q) {
  if (!b || b.length === 0) return null;
  const total = b[b.length - 1][1];
  if (total === 0) return null;
  for (const [le, n] of b) if (n >= q * total) return le;
  return null;
}

function ms(seconds) { return seconds === null ? "—" : seconds === Infinity ? "> max" : (seconds * 1000).toFixed(seconds < 0.001 ? 2 : 1) + " ms"; }

function plot() {
  const W = 640, H = 160, now = Date.now(), span = 5 * 60 * 1000;
  const pts = rateHistory.filter(p => now - p.t <= span);
  const max = Math.max(1, ...pts.map(p => Object.values(p.rates).reduce((a, b) => a + b, 0)));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", W); svg.setAttribute("height", H); svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Requests per second over the last five minutes, all commands; peak " + Math.round(max) + "/s");
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("fill", "none"); line.setAttribute("stroke", "#0a58ca"); line.setAttribute("stroke-width", "2");
  line.setAttribute("points", pts.map(p => ((W - (now - p.t) / span * W).toFixed(1)) + "," + (H - 4 - (H - 8) * Object.values(p.rates).reduce((a, b) => a + b, 0) / max).toFixed(1)).join(" "));
  svg.append(line);
  const label = document.createElementNS(ns, "text");
  label.setAttribute("x", 4); label.setAttribute("y", 14); label.setAttribute("font-size", "12"); label.textContent = "peak " + Math.round(max) + "/s";
  svg.append(label);
  return svg;
}

async function clusterPage() {
  const box = h("div", { id: "cluster" }), peers = h("div", { id: "peers" }), rates = h("div", { id: "rates" }), chart = h("div", { id: "chart" });
  show("Cluster and health", h("h2", {}, "Nodes"), box, h("h2", {}, "Diameter peers"), peers,
    h("h2", {}, "Requests"), h("p", { class: "hint" }, "From /metrics every 2 s; percentiles are histogram bucket bounds."), rates, chart);
  async function refresh() {
    if (!location.hash.startsWith("#/cluster")) { clearInterval(timer); timer = null; return; }
    try {
      const c = await api("GET", "/api/v1/cluster");
      if (!c.members) box.replaceChildren(h("p", {}, "Single node: " + (c.node || "this HSS") + " (no cluster configured)."));
      else box.replaceChildren(table(["node", "address", "role", "epoch", "log position", "lag", "leader"], c.members.map(m => [m.node, m.address,
        m.reachable ? m.role : h("span", { class: "error" }, "unreachable"), m.reachable ? m.epoch : "—", m.reachable ? m.last : "—", m.reachable ? m.lag : "—", m.leader || "—"])));
    } catch (e) { box.replaceChildren(h("p", { class: "error" }, String(e.message))); }
    try {
      const p = await api("GET", "/api/v1/peers");
      const conns = p.connections || [];
      peers.replaceChildren(h("p", {}, "Authorisation: " + p.mode + (p.peers ? " (" + p.peers.length + " peers listed)" : "")),
        conns.length ? table(["peer", "state", "direction"], conns.map(x => [x.originHost, x.state, x.direction])) : h("p", {}, "No peer connected."));
    } catch (e) { peers.replaceChildren(h("p", { class: "error" }, String(e.message))); }
    try {
      const text = await (await fetch("/metrics")).text();
      const m = parseMetrics(text), t = Date.now();
      const perSecond = {};
      if (lastSample) for (const [k, v] of Object.entries(m.counts)) perSecond[k] = Math.max(0, (v - (lastSample.counts[k] || 0)) / ((t - lastSample.t) / 1000));
      lastSample = { t, counts: m.counts };
      rateHistory.push({ t, rates: perSecond });
      while (rateHistory.length > 200) rateHistory.shift();
      const commands = Object.keys(m.counts).sort();
      rates.replaceChildren(commands.length === 0 ? h("p", {}, "No request yet.")
        : table(["command", "requests", "per second", "p50", "p99"], commands.map(k => [k, m.counts[k], perSecond[k] === undefined ? "…" : perSecond[k].toFixed(1),
          ms(percentile(m.buckets[k], 0.5)), ms(percentile(m.buckets[k], 0.99))])));
      chart.replaceChildren(plot());
    } catch (e) { rates.replaceChildren(h("p", { class: "error" }, String(e.message))); }
    say("Updated " + new Date().toLocaleTimeString());
  }
  await refresh();
  if (!timer) timer = setInterval(refresh, 2000);
}

// MARK: the API's OpenAPI document

async function apiPage() {
  let doc;
  try { doc = await api("GET", "/api/v1/openapi.json"); } catch (e) { show("API", h("p", { class: "error" }, String(e.message))); return; }
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths).sort()) for (const m of ["get", "put", "post", "delete"]) if (item[m]) ops.push([m, path, item[m]]);
  show("API: " + doc.info.title + " " + doc.info.version,
    h("p", {}, doc.info.description || ""),
    ops.map(([m, path, op]) => h("details", {}, h("summary", {}, h("code", {}, m.toUpperCase() + " " + path), " — " + (op.summary || "")),
      h("pre", {}, JSON.stringify(op, null, 2)))),
    h("h2", {}, "Schemas"),
    Object.entries(doc.components.schemas).sort().map(([name, s]) => h("details", {}, h("summary", {}, name), h("pre", {}, JSON.stringify(s, null, 2)))));
}

// MARK: routing

function route() {
  if (!token()) { login(); return; }
  const hash = location.hash || "#/";
  for (const a of document.querySelectorAll("nav a")) a.removeAttribute("aria-current");
  const current = [...document.querySelectorAll("nav a")].find(a => hash === a.getAttribute("href") || (a.getAttribute("href") !== "#/" && hash.startsWith(a.getAttribute("href"))));
  if (current) current.setAttribute("aria-current", "page");
  say("");
  let m;
  if ((m = hash.match(/^#\/s\/(.+)$/))) return detailPage(decodeURIComponent(m[1]));
  if ((m = hash.match(/^#\/edit\/(.+)$/))) return editPage(decodeURIComponent(m[1]));
  if (hash.startsWith("#/new")) return newPage();
  if (hash.startsWith("#/import")) return importPage();
  if (hash.startsWith("#/cluster")) return clusterPage();
  if (hash.startsWith("#/api")) return apiPage();
  return searchPage();
}

window.addEventListener("hashchange", route);
route();
"""##
}
