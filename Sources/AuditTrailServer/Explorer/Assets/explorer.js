// The AuditTrail explorer: search the log with the server's public API and read its events.
// The key is asked for once and kept in sessionStorage (this tab only), sent as a header; the
// search, not the key, is in the URL, so a view can be shared.
import { verifyEvent } from "./proof.js";

const keyName = "audittrail.key";
const $ = (id) => document.getElementById(id);
const state = { cursor: null, rows: [], selected: -1, live: null };

function apiKey() { return sessionStorage.getItem(keyName); }

/** A request to `path` with the key (GET unless `init` says otherwise); the parsed JSON (the bytes
 * when `raw`), or an Error carrying the status and the problem. */
async function api(path, raw, init = {}) {
  const headers = { Authorization: "Bearer " + apiKey(), Accept: "application/json" };
  if (init.body) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { ...init, headers });
  if (response.status === 204) return null;
  if (raw && response.ok) return response.arrayBuffer();
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error((body && body.detail) || response.statusText || "the server answered " + response.status);
    error.status = response.status;
    error.problem = body;
    throw error;
  }
  return body;
}

function show(signedIn) {
  $("login").hidden = signedIn;
  $("app").hidden = !signedIn;
  $("signout").hidden = !signedIn;
  $("who").textContent = "";
  $("admin").hidden = true;
}

/** Who the key is (`GET /v1/me`): the header names it, and an admin gets the admin views. */
async function whoAmI() {
  const me = await api("/v1/me");
  $("who").textContent = me.name + " (" + me.role + (me.subject ? ", sees " + me.subject : "") + ")";
  $("export").hidden = !(me.role === "admin" || me.role === "auditor");
  if (me.role === "admin") {
    $("admin").hidden = false;
    await loadAdmin();
  }
}

function text(tag, value) {
  const element = document.createElement(tag);
  element.textContent = value == null ? "" : String(value);
  return element;
}

async function loadAdmin() {
  const keys = await api("/v1/keys");
  $("keys").tBodies[0].replaceChildren(...keys.keys.map((key) => {
    const tr = document.createElement("tr");
    tr.append(text("td", key.id), text("td", key.name), text("td", key.role), text("td", key.subject), text("td", key.created_at), text("td", key.revoked_at));
    const action = document.createElement("td");
    if (!key.revoked_at) {
      const revoke = text("button", "Revoke");
      revoke.type = "button";
      revoke.addEventListener("click", async () => {
        if (!confirm("Revoke " + key.name + " (" + key.id + ")? It stops working at once.")) return;
        await api("/v1/keys/" + encodeURIComponent(key.id), false, { method: "DELETE" });
        await loadAdmin();
      });
      action.append(revoke);
    }
    tr.append(action);
    return tr;
  }));
  const streams = await api("/v1/streams");
  $("streams").replaceChildren(...streams.streams.map((stream) =>
    text("li", stream.name + " — " + stream.format + " to " + stream.destination.type + ": " + stream.status.state + ", delivered through " + stream.status.delivered_through + ", lag " + stream.status.lag_events)));
  const rules = await api("/v1/alert-rules");
  $("rules").replaceChildren(...rules.rules.map((rule) =>
    text("li", rule.name + " (" + (rule.enabled ? "on" : "off") + ") — " + rule.query + (rule.status ? ", fired " + rule.status.fired + "×" : ""))));
}

async function createKey(submit) {
  submit.preventDefault();
  const body = { name: $("key-name").value.trim(), role: $("key-role").value };
  if ($("key-subject").value.trim()) body.subject = $("key-subject").value.trim();
  try {
    const made = await api("/v1/keys", false, { method: "POST", body: JSON.stringify(body) });
    $("new-secret").textContent = "Key " + made.id + " created; its secret, shown once: " + made.key;
    $("key-name").value = "";
    $("key-subject").value = "";
    await loadAdmin();
  } catch (error) {
    $("new-secret").textContent = "Not created: " + error.message;
  }
}

/** Downloads the current search in the chosen format (`GET /v1/export`, the key in a header). */
async function exportSearch(submit) {
  submit.preventDefault();
  const q = $("q").value.trim();
  const format = $("format").value;
  const parameters = new URLSearchParams({ format });
  if (q) parameters.set("q", q);
  $("export-status").textContent = "Exporting…";
  try {
    const response = await fetch("/v1/export?" + parameters, { headers: { Authorization: "Bearer " + apiKey() } });
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      throw new Error((problem && problem.detail) || "the export answered " + response.status);
    }
    const blob = await response.blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "audittrail-export." + ({ ocsf: "ocsf.jsonl", syslog: "log" }[format] || format);
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    $("export-status").textContent = "Exported " + blob.size + " bytes.";
  } catch (error) {
    $("export-status").textContent = "Export failed: " + error.message;
  }
}

function signOut(message) {
  sessionStorage.removeItem(keyName);
  show(false);
  $("login-error").textContent = message || "";
  $("key").focus();
}

/** The search error under the column the server points to ("… at column 8"). */
function showSearchError(message) {
  $("search-error").textContent = message;
  const column = /at column (\d+)/.exec(message);
  $("caret").textContent = column ? " ".repeat(Math.max(0, Number(column[1]) - 1)) + "^" : "";
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (className) td.className = className;
  return td;
}

function row(event) {
  const tr = document.createElement("tr");
  tr.tabIndex = 0;
  tr.dataset.seq = String(event.seq);
  const actor = event.actor || {};
  const resource = event.resource || {};
  tr.append(
    cell(event.time),
    cell(actor.name || actor.id),
    cell(event.action),
    cell([resource.type, resource.id].filter(Boolean).join(":")),
    cell(event.outcome, "outcome-" + event.outcome),
    cell(event.severity, "severity-" + event.severity),
    cell(actor.ip),
  );
  return tr;
}

async function search(append) {
  if (!append && state.live) state.live.abort();
  const q = $("q").value.trim();
  const parameters = new URLSearchParams({ limit: "50" });
  if (q) parameters.set("q", q);
  if (append && state.cursor) parameters.set("cursor", state.cursor);
  if (!append) history.replaceState(null, "", q ? "?q=" + encodeURIComponent(q) : location.pathname);
  try {
    const page = await api("/v1/events?" + parameters);
    const body = $("results").tBodies[0];
    if (!append) {
      body.replaceChildren();
      state.rows = [];
      closeDetail();
    }
    for (const event of page.events) {
      body.append(row(event));
      state.rows.push(event);
    }
    if (!append) await overview(q);
    state.cursor = page.next_cursor;
    $("more").hidden = !state.cursor;
    $("summary").textContent = state.rows.length + (state.cursor ? "+" : "") + " events, newest first";
    showSearchError("");
  } catch (error) {
    if (error.status === 401) return signOut(error.message);
    showSearchError(error.message);
  }
}

/** The overview of the current search: counts, the histogram (SVG drawn here), top actions and
 * actors — from `GET /v1/stats` with `group_by=actor`. */
async function overview(q) {
  const parameters = new URLSearchParams({ group_by: "actor", top: "5" });
  if (q) parameters.set("q", q);
  const stats = await api("/v1/stats?" + parameters);
  $("total").textContent = String(stats.total);
  $("failures").textContent = String(stats.failures);
  $("denied").textContent = String(stats.denied);
  $("actors").textContent = String(stats.unique_actors);
  const svg = $("histogram");
  const bins = stats.histogram || [];
  const highest = Math.max(1, ...bins.map((bin) => bin.count));
  svg.setAttribute("viewBox", "0 0 " + Math.max(1, bins.length) + " 100");
  svg.replaceChildren(...bins.map((bin, index) => {
    const bar = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    const height = (bin.count / highest) * 100;
    bar.setAttribute("x", String(index + 0.1));
    bar.setAttribute("width", "0.8");
    bar.setAttribute("y", String(100 - height));
    bar.setAttribute("height", String(height));
    const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
    title.textContent = bin.start + ": " + bin.count;
    bar.append(title);
    return bar;
  }));
  const list = (id, entries, field) => $(id).replaceChildren(...entries.map(([value, count]) => {
    const item = document.createElement("li");
    item.append(related(value, term(field, value)), " " + count);
    return item;
  }));
  const actions = Object.entries(stats.by_action || {}).sort((a, b) => b[1] - a[1]).slice(0, 5);
  list("top-actions", actions, "action");
  list("top-actors", (stats.groups || []).map((group) => [group.value, group.count]), "actor");
}

function related(label, query) {
  const link = document.createElement("a");
  link.href = "?q=" + encodeURIComponent(query);
  link.textContent = label;
  link.addEventListener("click", (click) => {
    click.preventDefault();
    $("q").value = query;
    search(false);
  });
  return link;
}

/** A value as the search language writes it: quoted when it holds a space or a quote. */
function term(field, value) {
  const text = String(value);
  return field + ":" + (/[\s"()]/.test(text) ? JSON.stringify(text) : text);
}

function openDetail(seq) {
  const event = state.rows.find((candidate) => candidate.seq === seq);
  if (!event) return;
  state.selected = seq;
  for (const tr of $("results").tBodies[0].rows) tr.setAttribute("aria-selected", String(Number(tr.dataset.seq) === seq));
  $("detail-title").textContent = "Event " + event.seq + " — " + event.action;
  const fields = $("fields");
  fields.replaceChildren();
  for (const [name, value] of Object.entries(event)) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = typeof value === "object" ? JSON.stringify(value) : String(value);
    fields.append(dt, dd);
  }
  const links = [];
  if (event.actor && event.actor.id) links.push(related("same actor", term("actor", event.actor.id)));
  if (event.actor && event.actor.ip) links.push(related("same IP", term("ip", event.actor.ip)));
  if (event.resource && event.resource.id) links.push(related("same resource", term("resource.id", event.resource.id)));
  if (event.request && event.request.correlation_id) links.push(related("same correlation id", term("correlation_id", event.request.correlation_id)));
  $("related").replaceChildren(...links);
  $("raw").textContent = JSON.stringify(event, null, 2);
  $("verify-result").replaceChildren();
  $("verify-result").className = "";
  $("detail").hidden = false;
}

/** Live tail: the events committed from now on that match the search, read from
 * `GET /v1/stream` (Server-Sent Events through fetch, so the key stays in a header) and put at the
 * top of the table, with the rate; the button pauses it. */
async function toggleLive() {
  if (state.live) {
    state.live.abort();
    return;
  }
  const controller = new AbortController();
  state.live = controller;
  $("live").setAttribute("aria-pressed", "true");
  $("live").textContent = "Pause";
  const status = $("live-status");
  status.hidden = false;
  status.textContent = "Live: connecting…";
  const q = $("q").value.trim();
  const arrivals = [];
  try {
    const response = await fetch("/v1/stream" + (q ? "?q=" + encodeURIComponent(q) : ""), {
      headers: { Authorization: "Bearer " + apiKey(), Accept: "text/event-stream" },
      signal: controller.signal,
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      throw new Error((problem && problem.detail) || "the live tail answered " + response.status);
    }
    status.textContent = "Live: waiting for events…";
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split("\n");
        const data = lines.filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n");
        if (!data) continue;
        if (lines.includes("event: disconnect")) throw new Error("the server ended the live tail: " + JSON.parse(data).detail);
        const event = JSON.parse(data);
        state.rows.unshift(event);
        $("results").tBodies[0].prepend(row(event));
        const now = Date.now();
        arrivals.push(now);
        while (arrivals.length && now - arrivals[0] > 10000) arrivals.shift();
        status.textContent = "Live: " + (arrivals.length / 10).toFixed(1) + " events/s (last 10 s), newest seq " + event.seq;
      }
    }
  } catch (error) {
    if (error.name !== "AbortError") status.textContent = "Live tail stopped: " + error.message;
  } finally {
    state.live = null;
    $("live").setAttribute("aria-pressed", "false");
    $("live").textContent = "Live";
    if (controller.signal.aborted) status.textContent = "Live tail paused.";
  }
}

async function verifySelected() {
  const event = state.rows.find((candidate) => candidate.seq === state.selected);
  if (!event) return;
  const result = $("verify-result");
  result.className = "";
  result.textContent = "Verifying…";
  try {
    const { ok, lines } = await verifyEvent(api, event.id, event.seq);
    result.className = ok === true ? "verified" : ok === false ? "failed" : "";
    result.replaceChildren(...lines.map((line) => Object.assign(document.createElement("p"), { textContent: line })));
  } catch (error) {
    result.className = "failed";
    result.textContent = "FAILED: " + error.message;
  }
}

function closeDetail() {
  state.selected = -1;
  $("detail").hidden = true;
}

function start() {
  $("login").addEventListener("submit", async (submit) => {
    submit.preventDefault();
    sessionStorage.setItem(keyName, $("key").value.trim());
    $("key").value = "";
    show(true);
    await search(false);
    if (apiKey()) await whoAmI().catch(() => {});
  });
  $("new-key").addEventListener("submit", createKey);
  $("export").addEventListener("submit", exportSearch);
  $("signout").addEventListener("click", () => signOut(""));
  $("search").addEventListener("submit", (submit) => {
    submit.preventDefault();
    search(false);
  });
  $("more").addEventListener("click", () => search(true));
  $("live").addEventListener("click", toggleLive);
  $("close").addEventListener("click", closeDetail);
  $("verify").addEventListener("click", verifySelected);
  const body = $("results").tBodies[0];
  body.addEventListener("click", (click) => {
    const tr = click.target.closest("tr");
    if (tr) openDetail(Number(tr.dataset.seq));
  });
  body.addEventListener("keydown", (key) => {
    const tr = key.target.closest("tr");
    if (!tr) return;
    if (key.key === "Enter") openDetail(Number(tr.dataset.seq));
    if (key.key === "ArrowDown" && tr.nextElementSibling) tr.nextElementSibling.focus();
    if (key.key === "ArrowUp" && tr.previousElementSibling) tr.previousElementSibling.focus();
  });
  $("q").value = new URLSearchParams(location.search).get("q") || "";
  if (apiKey()) {
    show(true);
    search(false);
    whoAmI().catch(() => {});
  } else {
    show(false);
    $("key").focus();
  }
}

start();
