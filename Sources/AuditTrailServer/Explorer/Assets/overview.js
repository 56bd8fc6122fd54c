// The overview of the current search: counts, a histogram over time (SVG drawn here; dragging
// across it narrows the search to that time range), top actions, actors and IP addresses — all
// from `GET /v1/stats` with `group_by`.

import { $, api, text } from "./api.js";
import { term, withField } from "./query.js";

const svgNS = "http://www.w3.org/2000/svg";
const widths = { minute: 60e3, hour: 3600e3, day: 86400e3 };
/** The chart shows at least this many slots, the newest at the right, so a few bins stay bars. */
const minimumSlots = 24;
const brush = { first: 0, width: 0, slots: 0, offset: 0, from: -1, to: -1, q: "", go: null };

function stats(q, groupBy) {
  const parameters = new URLSearchParams({ group_by: groupBy, top: "5" });
  if (q) parameters.set("q", q);
  return api("/v1/stats?" + parameters);
}

/** A link that runs the search `query` (and can be opened in a new tab: the URL holds it). */
export function related(label, query, go) {
  const link = text("a", label);
  link.href = "?q=" + encodeURIComponent(query);
  link.addEventListener("click", (click) => {
    click.preventDefault();
    go(query);
  });
  return link;
}

function rect(className, x, y, width, height) {
  const shape = document.createElementNS(svgNS, "rect");
  shape.setAttribute("class", className);
  for (const [name, value] of Object.entries({ x, y, width, height })) shape.setAttribute(name, String(value));
  return shape;
}

/** Draws the histogram: one slot per bucket from the first bin to the last (empty ones left blank). */
function drawHistogram(result) {
  const svg = $("histogram");
  const bins = result.histogram || [];
  brush.width = widths[result.bucket] || widths.hour;
  brush.first = bins.length ? Date.parse(bins[0].start) : 0;
  brush.slots = bins.length ? Math.round((Date.parse(bins[bins.length - 1].start) - brush.first) / brush.width) + 1 : 0;
  const highest = Math.max(1, ...bins.map((bin) => bin.count));
  brush.offset = Math.max(0, minimumSlots - brush.slots);
  svg.setAttribute("viewBox", "0 0 " + (brush.slots + brush.offset) + " 100");
  svg.replaceChildren(...bins.map((bin) => {
    const height = Math.max(1, (bin.count / highest) * 100);
    const bar = rect("bar", brush.offset + (Date.parse(bin.start) - brush.first) / brush.width + 0.1, 100 - height, 0.8, height);
    const title = document.createElementNS(svgNS, "title");
    title.textContent = bin.start + ": " + bin.count;
    bar.append(title);
    return bar;
  }));
  const end = brush.first + brush.slots * brush.width;
  $("histogram-range").textContent = bins.length
    ? new Date(brush.first).toISOString() + " – " + new Date(end).toISOString() + ", per " + result.bucket + " (drag across the chart to narrow the time)"
    : "No events.";
}

function slotAt(pointer) {
  const box = $("histogram").getBoundingClientRect();
  const slot = Math.floor(((pointer.clientX - box.left) / box.width) * (brush.slots + brush.offset)) - brush.offset;
  return Math.min(brush.slots - 1, Math.max(0, slot));
}

function drawBrush() {
  const svg = $("histogram");
  svg.querySelector(".brush")?.remove();
  if (brush.from < 0) return;
  const low = Math.min(brush.from, brush.to), high = Math.max(brush.from, brush.to);
  svg.append(rect("brush", brush.offset + low, 0, high - low + 1, 100));
}

/** Dragging across the histogram (or clicking one bar) searches that time range. */
export function wireBrush() {
  const svg = $("histogram");
  svg.addEventListener("pointerdown", (press) => {
    if (!brush.slots) return;
    svg.setPointerCapture(press.pointerId);
    brush.from = brush.to = slotAt(press);
    drawBrush();
  });
  svg.addEventListener("pointermove", (move) => {
    if (brush.from < 0) return;
    brush.to = slotAt(move);
    drawBrush();
  });
  svg.addEventListener("pointerup", (release) => {
    if (brush.from < 0) return;
    brush.to = slotAt(release);
    const low = Math.min(brush.from, brush.to), high = Math.max(brush.from, brush.to);
    brush.from = brush.to = -1;
    const since = new Date(brush.first + low * brush.width).toISOString();
    const until = new Date(brush.first + (high + 1) * brush.width).toISOString();
    brush.go(withField(brush.q, "time", ["time:>=" + since, "time:<" + until]));
  });
}

/** The overview's numbers for the search `q` (started with the search's first page, drawn after
 * it). */
export function fetchOverview(q) {
  return stats(q, "actor");
}

function list(id, entries, field, go) {
  $(id).replaceChildren(...entries.map(([value, count]) => {
    const item = document.createElement("li");
    item.append(related(value, term(field, value), go), " " + count);
    return item;
  }));
}

/** The top addresses of the search `q`, asked for after the rest is drawn: counting whole
 * addresses reads each chunk's address sets, which costs more than the rest of the overview. */
export async function drawTopAddresses(q, go) {
  $("top-ips").replaceChildren(text("li", "counting…", "note"));
  try {
    const byIP = await stats(q, "ip");
    if (brush.q !== q) return;
    list("top-ips", (byIP.groups || []).map((group) => [group.value, group.count]), "ip", go);
  } catch (error) {
    $("top-ips").replaceChildren(text("li", "not counted: " + error.message, "note"));
  }
}

/** Draws the overview fetched for `q`; `go(query)` runs another search (a link, the brush). */
export function drawOverview(byActor, q, go) {
  brush.q = q;
  brush.go = go;
  $("total").textContent = String(byActor.total);
  $("failures").textContent = String(byActor.failures);
  $("denied").textContent = String(byActor.denied);
  $("actors").textContent = String(byActor.unique_actors);
  drawHistogram(byActor);
  const actions = Object.entries(byActor.by_action || {}).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
  list("top-actions", actions, "action", go);
  list("top-actors", (byActor.groups || []).map((group) => [group.value, group.count]), "actor", go);
}
