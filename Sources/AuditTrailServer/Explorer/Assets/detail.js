// One event in full: every field (nested ones by their dotted names), what changed from `before`
// to `after` as a diff, the raw JSON with seq and hash, and searches for related events.

import { $, text } from "./api.js";
import { related } from "./overview.js";
import { term } from "./query.js";

/** The leaves of a JSON value by dotted path (array items by index); an empty object or array is
 * a leaf. */
export function leaves(value, path = "", into = new Map()) {
  const nested = value !== null && typeof value === "object";
  const keys = nested ? Object.keys(value) : [];
  if (!nested || keys.length === 0) {
    into.set(path || "(value)", value);
    return into;
  }
  for (const key of keys) leaves(value[key], path ? path + (Array.isArray(value) ? "[" + key + "]" : "." + key) : key, into);
  return into;
}

function written(value) {
  return value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
}

/** `before` against `after`, leaf by leaf: a row per path that was added, removed or changed, in
 * path order; unchanged paths are counted. Marks (+, −, ~) carry the kind as well as colour. */
export function diffRows(before, after) {
  const old = before === undefined ? new Map() : leaves(before);
  const now = after === undefined ? new Map() : leaves(after);
  const rows = [];
  let same = 0;
  for (const path of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const had = old.has(path), has = now.has(path);
    if (had && has && JSON.stringify(old.get(path)) === JSON.stringify(now.get(path))) {
      same += 1;
      continue;
    }
    const kind = !had ? "added" : !has ? "removed" : "changed";
    rows.push({ kind, path, before: written(old.get(path)), after: written(now.get(path)) });
  }
  return { rows, same };
}

function drawDiff(changes) {
  const section = $("changes");
  if (!changes || (changes.before === undefined && changes.after === undefined)) {
    section.hidden = true;
    return;
  }
  const { rows, same } = diffRows(changes.before, changes.after);
  const marks = { added: "+", removed: "−", changed: "~" };
  $("diff").tBodies[0].replaceChildren(...rows.map((entry) => {
    const tr = document.createElement("tr");
    tr.className = "diff-" + entry.kind;
    const mark = text("td", marks[entry.kind]);
    mark.setAttribute("aria-label", entry.kind);
    tr.append(mark, text("td", entry.path), text("td", entry.before), text("td", entry.after));
    return tr;
  }));
  $("diff-summary").textContent = rows.length + " changed field" + (rows.length === 1 ? "" : "s") + (same ? ", " + same + " unchanged" : "");
  section.hidden = false;
}

/** Shows `event` in the detail panel; `go(query)` runs a related search. */
export function showDetail(event, go) {
  $("detail-title").textContent = "Event " + event.seq + " — " + event.action;
  const shown = { ...event };
  delete shown.changes;
  $("fields").replaceChildren(...[...leaves(shown)].flatMap(([name, value]) => [text("dt", name), text("dd", written(value))]));
  drawDiff(event.changes);
  const links = [];
  const actor = event.actor || {}, resource = event.resource || {}, request = event.request || {};
  if (actor.id) links.push(related("same actor", term("actor", actor.id), go));
  if (actor.ip) links.push(related("same IP", term("ip", actor.ip), go));
  if (resource.id) links.push(related("same resource", term("resource.id", resource.id), go));
  if (request.correlation_id) links.push(related("same correlation id", term("correlation_id", request.correlation_id), go));
  $("related").replaceChildren(...links);
  $("raw").textContent = JSON.stringify(event, null, 2);
  $("verify-result").replaceChildren();
  $("verify-result").className = "";
  $("detail").hidden = false;
}
