// What every part of the explorer shares: the key (sessionStorage, this tab only), requests to the
// server's public API with the key in a header, and building elements from text.

const keyName = "audittrail.key";

export const $ = (id) => document.getElementById(id);

export function apiKey() { return sessionStorage.getItem(keyName); }
export function setKey(key) { sessionStorage.setItem(keyName, key); }
export function forgetKey() { sessionStorage.removeItem(keyName); }

/** A request to `path` with the key (GET unless `init` says otherwise); the parsed JSON (the bytes
 * when `raw`), or an Error carrying the status and the problem. */
export async function api(path, raw, init = {}) {
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

/** An element `tag` holding `value` as text (never as HTML). */
export function text(tag, value, className) {
  const element = document.createElement(tag);
  element.textContent = value == null ? "" : String(value);
  if (className) element.className = className;
  return element;
}

/** A button of type "button" that runs `action` when pressed. */
export function button(label, action, name) {
  const element = text("button", label);
  element.type = "button";
  if (name) element.setAttribute("aria-label", name);
  element.addEventListener("click", action);
  return element;
}
