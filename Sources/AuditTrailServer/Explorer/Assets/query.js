// The search box: reading and editing the top-level terms of a search, the chips (time range,
// outcome, severity, category) that write terms into it, and completion of field names and values
// (an ARIA combobox). The box stays the one source of the search: a chip only edits its text.

import { $, api, text } from "./api.js";

/** The field names of the search language (AuditSearchParser.fields; a test keeps them equal). */
export const fields = ["action", "category", "actor", "actor.id", "actor.name", "actor.type", "resource.type", "resource.id",
  "outcome", "severity", "time", "ip", "tag", "compliance", "correlation_id", "country", "risk"];
const outcomes = ["success", "failure", "denied"];
const severities = ["debug", "info", "warning", "error", "critical"];
const catalog = { actions: [], categories: [] };

/** A value as the search language writes it: quoted when it holds a space, a quote or a parenthesis. */
export function term(field, value) {
  const written = String(value);
  return field + ":" + (written === "" || /[\s"()]/.test(written) ? JSON.stringify(written) : written);
}

/** The top-level terms of a search as typed: split at spaces outside quotes and parentheses. */
export function terms(q) {
  const found = [];
  let current = "", depth = 0, quoted = false;
  for (const character of q) {
    if (quoted) {
      current += character;
      if (character === '"') quoted = false;
    } else if (/\s/.test(character) && depth === 0) {
      if (current) found.push(current);
      current = "";
    } else {
      if (character === '"') quoted = true;
      if (character === "(") depth += 1;
      if (character === ")") depth = Math.max(0, depth - 1);
      current += character;
    }
  }
  if (current) found.push(current);
  return found;
}

/** The field a top-level term tests, when it is a positive `field:value` term. */
function fieldOf(written) {
  const match = /^([A-Za-z_.]+):(.*)$/s.exec(written);
  return match ? { field: match[1].toLowerCase(), value: match[2].replace(/^"(.*)"$/s, "$1") } : null;
}

/** The values of the positive top-level terms of `field` in `q`. */
export function valuesOf(q, field) {
  return terms(q).map(fieldOf).filter((parsed) => parsed && parsed.field === field).map((parsed) => parsed.value);
}

/** `q` with its positive top-level terms of `field` replaced by `written` (whole terms); an OR left
 * dangling by a removal goes too. */
export function withField(q, field, written) {
  const kept = terms(q).filter((candidate) => {
    const parsed = fieldOf(candidate);
    return !(parsed && parsed.field === field);
  });
  while (kept.length && kept[0] === "OR") kept.shift();
  while (kept.length && kept[kept.length - 1] === "OR") kept.pop();
  const tidy = kept.filter((candidate, index) => !(candidate === "OR" && kept[index - 1] === "OR"));
  return [...tidy, ...written].join(" ");
}

// MARK: Chips

const ranges = { "1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 };

function options(select, entries) {
  select.replaceChildren(...entries.map(([value, label]) => Object.assign(text("option", label), { value })));
}

/** The chips' choices (categories from the catalog of event types). */
export function fillChips() {
  options($("chip-time"), [["", "Any time"], ["1h", "Last hour"], ["24h", "Last 24 hours"], ["7d", "Last 7 days"], ["30d", "Last 30 days"], ["custom", "Custom range"]]);
  options($("chip-outcome"), [["", "Any outcome"], ...outcomes.map((value) => [value, value])]);
  options($("chip-severity"), [["", "Any severity"], ...severities.map((value) => [">=" + value, value + " or worse"])]);
  options($("chip-category"), [["", "Any category"], ...catalog.categories.map((value) => [value, value])]);
}

/** The chips as the search `q` sets them: a chip whose field the search does not test plainly
 * (twice, or inside parentheses) shows "any". */
export function syncChips(q) {
  const one = (field) => {
    const values = valuesOf(q, field);
    return values.length === 1 ? values[0] : "";
  };
  const times = valuesOf(q, "time");
  const custom = $("chip-time").querySelector("option[value=custom]");
  custom.hidden = times.length === 0;
  custom.textContent = times.length ? "Time " + times.join(", ") : "Custom range";
  $("chip-time").value = times.length ? "custom" : "";
  $("chip-outcome").value = outcomes.includes(one("outcome")) ? one("outcome") : "";
  const severity = one("severity");
  $("chip-severity").value = severities.some((name) => ">=" + name === severity) ? severity : "";
  const category = one("category");
  if (category && !catalog.categories.includes(category)) $("chip-category").append(Object.assign(text("option", category), { value: category }));
  $("chip-category").value = category;
}

/** Wires the chips: a change rewrites that field's terms in the box and searches. */
export function wireChips(search) {
  const apply = (field, written) => {
    $("q").value = withField($("q").value.trim(), field, written);
    search();
  };
  $("chip-time").addEventListener("change", (change) => {
    const range = ranges[change.target.value];
    if (change.target.value === "custom") return;
    apply("time", range ? ["time:>=" + new Date(Date.now() - range).toISOString()] : []);
  });
  for (const field of ["outcome", "severity", "category"]) {
    $("chip-" + field).addEventListener("change", (change) => apply(field, change.target.value ? [term(field, change.target.value)] : []));
  }
}

// MARK: Completion

/** Loads the actions (known and seen) and categories that completion and the chips offer. */
export async function loadCatalog() {
  const types = await api("/v1/event-types?limit=1000");
  const actions = new Set(types.known.map((known) => known.action));
  for (const seen of types.seen || []) actions.add(seen.action);
  catalog.actions = [...actions].sort();
  catalog.categories = [...new Set(types.known.map((known) => known.category))].sort();
  const chosen = $("chip-category").value;
  fillChips();
  $("chip-category").value = chosen;
}

/** The word being typed at the caret: where it starts and what it holds. */
function wordAtCaret(box) {
  const before = box.value.slice(0, box.selectionStart);
  const start = Math.max(before.lastIndexOf(" "), before.lastIndexOf("(")) + 1;
  let word = before.slice(start);
  const negated = word.startsWith("-");
  if (negated) word = word.slice(1);
  return { start: start + (negated ? 1 : 0), word };
}

/** What may complete `word`: field names, or the values of its field. */
function suggestions(word) {
  const colon = word.indexOf(":");
  if (colon < 0) return word ? fields.filter((field) => field.startsWith(word.toLowerCase()) && field !== word).map((field) => field + ":") : [];
  const field = word.slice(0, colon).toLowerCase();
  const prefix = word.slice(colon + 1);
  const values = { action: catalog.actions, category: catalog.categories, outcome: outcomes,
    severity: [...severities, ...severities.map((name) => ">=" + name)] }[field] || [];
  return values.filter((value) => value.startsWith(prefix) && value !== prefix).map((value) => field + ":" + value + " ");
}

/** Wires completion to the search box (role combobox, the list role listbox): typing offers up to
 * 8 completions of the word at the caret; Down/Up choose, Enter or Tab take one, Escape closes. */
export function wireCompletion() {
  const box = $("q");
  const list = $("completions");
  let active = -1;
  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    active = -1;
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
  };
  const mark = (index) => {
    active = index;
    [...list.children].forEach((option, at) => option.setAttribute("aria-selected", String(at === index)));
    if (index >= 0) box.setAttribute("aria-activedescendant", list.children[index].id);
  };
  const take = (index) => {
    const { start } = wordAtCaret(box);
    const chosen = list.children[index].dataset.value;
    let rest = box.value.slice(box.selectionStart).replace(/^\S*/, "");
    if (chosen.endsWith(" ")) rest = rest.replace(/^ +/, "");
    box.value = box.value.slice(0, start) + chosen + rest;
    const caret = start + chosen.length;
    box.setSelectionRange(caret, caret);
    close();
    if (chosen.endsWith(":")) offer();
  };
  const offer = () => {
    const found = suggestions(wordAtCaret(box).word).slice(0, 8);
    if (!found.length) return close();
    list.replaceChildren(...found.map((value, index) => {
      const option = text("li", value.trim());
      option.id = "completion-" + index;
      option.setAttribute("role", "option");
      option.dataset.value = value;
      option.addEventListener("mousedown", (press) => {
        press.preventDefault();
        take(index);
      });
      return option;
    }));
    list.hidden = false;
    box.setAttribute("aria-expanded", "true");
    mark(-1);
  };
  box.addEventListener("input", offer);
  box.addEventListener("blur", close);
  box.addEventListener("keydown", (key) => {
    if (list.hidden) return;
    const count = list.children.length;
    if (key.key === "ArrowDown" || key.key === "ArrowUp") {
      key.preventDefault();
      mark(key.key === "ArrowDown" ? (active + 1) % count : (active - 1 + count) % count);
    } else if ((key.key === "Enter" || key.key === "Tab") && active >= 0) {
      key.preventDefault();
      take(active);
    } else if (key.key === "Escape") {
      key.preventDefault();
      close();
    }
  });
  return close;
}
