// The administration views, for an admin key only: keys (list, create, revoke), retention (see and
// set the window), streams (their delivery status) and alert rules (switch on and off). Everything
// goes through the same public API as the command line.

import { $, api, button, text } from "./api.js";

function table(id, rows) {
  $(id).tBodies[0].replaceChildren(...rows.map((cells) => {
    const tr = document.createElement("tr");
    tr.append(...cells.map((value) => (value instanceof Node ? cellWith(value) : text("td", value))));
    return tr;
  }));
}

function cellWith(element) {
  const td = document.createElement("td");
  td.append(element);
  return td;
}

async function loadKeys() {
  const keys = await api("/v1/keys");
  $("keys").tBodies[0].replaceChildren(...keys.keys.map((key) => {
    const tr = document.createElement("tr");
    tr.append(text("td", key.id), text("td", key.name), text("td", key.role), text("td", key.subject), text("td", key.created_at), text("td", key.revoked_at));
    tr.append(key.revoked_at ? text("td", "") : cellWith(button("Revoke", async () => {
      if (!confirm("Revoke " + key.name + " (" + key.id + ")? It stops working at once.")) return;
      await api("/v1/keys/" + encodeURIComponent(key.id), false, { method: "DELETE" });
      await loadKeys();
    }, "Revoke " + key.name)));
    return tr;
  }));
}

async function loadRetention() {
  const retention = await api("/v1/retention");
  $("retention-days").value = retention.days == null ? "" : String(retention.days);
  $("retention-status").textContent = (retention.days == null ? "Events are kept for ever" : "Events older than " + retention.days + " days are removed")
    + "; removed so far: through seq " + retention.removed_through_seq + (retention.last_removed_at ? " (last run " + retention.last_removed_at + ")" : "") + ".";
}

async function loadStreams() {
  const streams = await api("/v1/streams");
  table("streams", streams.streams.map((stream) => [stream.name, stream.format, stream.destination.type,
    stream.status.state, stream.status.delivered_through, stream.status.lag_events, stream.status.last_error || ""]));
}

async function loadRules() {
  const rules = await api("/v1/alert-rules");
  table("rules", rules.rules.map((rule) => [rule.name, rule.query, rule.enabled ? "on" : "off", rule.status ? rule.status.fired : 0,
    button(rule.enabled ? "Switch off" : "Switch on", async () => {
      await api("/v1/alert-rules/" + encodeURIComponent(rule.id), false, { method: "PATCH", body: JSON.stringify({ enabled: !rule.enabled }) });
      await loadRules();
    }, (rule.enabled ? "Switch off " : "Switch on ") + rule.name)]));
}

export async function loadAdmin() {
  await Promise.all([loadKeys(), loadRetention(), loadStreams(), loadRules()]);
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
    await loadKeys();
  } catch (error) {
    $("new-secret").textContent = "Not created: " + error.message;
  }
}

async function setRetention(submit) {
  submit.preventDefault();
  const days = $("retention-days").value.trim();
  try {
    await api("/v1/retention", false, { method: "PUT", body: JSON.stringify({ days: days === "" ? null : Number(days) }) });
    await loadRetention();
  } catch (error) {
    $("retention-status").textContent = "Not changed: " + error.message;
  }
}

export function wireAdmin() {
  $("new-key").addEventListener("submit", createKey);
  $("retention").addEventListener("submit", setRetention);
}
