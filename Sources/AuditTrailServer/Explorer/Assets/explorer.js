// The AuditTrail explorer: search the log with the server's public API and read its events.
// The key is asked for once and kept in sessionStorage (this tab only), sent as a header; the
// search, not the key, is in the URL, so a view can be shared.
import { $, api, apiKey, forgetKey, setKey } from "./api.js";
import { loadAdmin, wireAdmin } from "./admin.js";
import { showDetail } from "./detail.js";
import { drawOverview, drawTopAddresses, fetchOverview, wireBrush } from "./overview.js";
import { verifyEvent } from "./proof.js";
import { fillChips, loadCatalog, syncChips, wireChips, wireCompletion } from "./query.js";

const state = { cursor: null, rows: [], selected: -1, live: null, loading: false };
/** The search a page opened without one starts with: every search here records `audit.query`
 * events (the log keeps who read it), which would otherwise fill the top of the table. It is in
 * the box, so it is seen and can be cleared; an empty search is kept in the URL as `?q=`. */
const defaultSearch = "-action:audit.query";
let closeCompletion = () => {};

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
  forgetKey();
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

function cell(value, className) {
  const td = document.createElement("td");
  td.textContent = value == null ? "" : String(value);
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

/** Runs `query` as the search (a related link, a chip, the brush). */
function go(query) {
  $("q").value = query;
  search(false);
}

/** The first page of the search in the box (and its overview), or with `append` the next page. */
async function search(append) {
  if (append && (state.loading || !state.cursor)) return;
  if (!append && state.live) state.live.abort();
  closeCompletion();
  const q = $("q").value.trim();
  const parameters = new URLSearchParams({ limit: "50" });
  if (q) parameters.set("q", q);
  if (append) parameters.set("cursor", state.cursor);
  if (!append) {
    history.replaceState(null, "", "?q=" + encodeURIComponent(q));
    syncChips(q);
  }
  state.loading = true;
  // Marks for measuring (Benchmarks/explorer-timing.py): search-start, results-rendered,
  // overview-rendered, addresses-rendered.
  performance.mark("search-start");
  try {
    const page = await api("/v1/events?" + parameters);
    // The overview is asked for once the page is in: at once, the two would share the server's
    // cores and the first results would come later.
    const overview = append ? null : fetchOverview(q);
    const body = $("results").tBodies[0];
    if (!append) {
      body.replaceChildren();
      state.rows = [];
      closeDetail();
    }
    body.append(...page.events.map(row));
    state.rows.push(...page.events);
    state.cursor = page.next_cursor;
    $("more").hidden = !state.cursor;
    $("summary").textContent = state.rows.length + (state.cursor ? "+" : "") + " events, newest first";
    showSearchError("");
    performance.mark("results-rendered");
    if (overview) {
      drawOverview(await overview, q, go);
      performance.mark("overview-rendered");
      await drawTopAddresses(q, go);
      performance.mark("addresses-rendered");
    }
  } catch (error) {
    if (error.status === 401) return signOut(error.message);
    showSearchError(error.message);
  } finally {
    state.loading = false;
  }
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

function openDetail(seq) {
  const event = state.rows.find((candidate) => candidate.seq === seq);
  if (!event) return;
  state.selected = seq;
  for (const tr of $("results").tBodies[0].rows) tr.setAttribute("aria-selected", String(Number(tr.dataset.seq) === seq));
  showDetail(event, go);
}

function closeDetail() {
  state.selected = -1;
  $("detail").hidden = true;
}

async function open() {
  show(true);
  await search(false);
  if (!apiKey()) return;
  await Promise.all([whoAmI(), loadCatalog()]).catch(() => {});
  syncChips($("q").value.trim());
}

function start() {
  fillChips();
  wireChips(() => search(false));
  wireBrush();
  wireAdmin();
  closeCompletion = wireCompletion();
  $("login").addEventListener("submit", (submit) => {
    submit.preventDefault();
    setKey($("key").value.trim());
    $("key").value = "";
    open();
  });
  $("export").addEventListener("submit", exportSearch);
  $("signout").addEventListener("click", () => signOut(""));
  $("search").addEventListener("submit", (submit) => {
    submit.preventDefault();
    search(false);
  });
  $("more").addEventListener("click", () => search(true));
  // Cursor paging as you scroll: the next page loads when "Load more" comes into view.
  new IntersectionObserver((seen) => {
    if (seen.some((entry) => entry.isIntersecting)) search(true);
  }).observe($("more"));
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
  const shared = new URLSearchParams(location.search);
  $("q").value = shared.has("q") ? shared.get("q") : defaultSearch;
  if (apiKey()) {
    open();
  } else {
    show(false);
    $("key").focus();
  }
}

start();
