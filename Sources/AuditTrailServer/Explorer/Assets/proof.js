// Checks, in the browser with WebCrypto, that an event is in the log's signed tree: its leaf
// (SHA-256 of 0x00 and its canonical bytes) leads through its RFC 6962 inclusion proof to the
// root of the latest signed checkpoint, and that checkpoint's Ed25519 signature holds under the
// log's public key. Only the server's public routes are used.

const encoder = new TextEncoder();
const suffixLength = ',"hash":"'.length + 64 + '"}'.length;

function base64(text) {
  return Uint8Array.from(atob(text), (character) => character.charCodeAt(0));
}

function equal(a, b) {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

async function sha256(...parts) {
  const length = parts.reduce((total, part) => total + part.length, 0);
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
}

/** The canonical bytes of an event as the API serves it: its JSON without the final `,"hash":"…"`. */
export function canonicalBytes(raw) {
  const tail = new TextDecoder().decode(raw.slice(raw.length - suffixLength));
  if (!/^,"hash":"[0-9a-f]{64}"}$/.test(tail)) throw new Error("the event's JSON does not end with its hash");
  const canonical = new Uint8Array(raw.length - suffixLength + 1);
  canonical.set(raw.slice(0, raw.length - suffixLength));
  canonical[canonical.length - 1] = 0x7d; // }
  return canonical;
}

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or null when it is malformed. */
export async function rootFromInclusionProof(leaf, index, size, path) {
  let fn = index;
  let sn = size - 1;
  let hash = leaf;
  for (const node of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      hash = await sha256(Uint8Array.of(1), node, hash);
      if (fn % 2 === 0) {
        do {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        } while (fn % 2 === 0 && fn !== 0);
      }
    } else {
      hash = await sha256(Uint8Array.of(1), hash, node);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? hash : null;
}

/** Whether the C2SP signed note carries a valid Ed25519 signature by `publicKey`
 * (`<name>+<key hash>+<base64 of 0x01 and the 32-byte key>`); null when the browser has no Ed25519. */
export async function noteIsSigned(note, publicKey) {
  // The name has no "+"; the base64 key may.
  const first = publicKey.indexOf("+");
  const second = publicKey.indexOf("+", first + 1);
  const [name, keyHash, keyText] = [publicKey.slice(0, first), publicKey.slice(first + 1, second), publicKey.slice(second + 1)];
  const keyBytes = base64(keyText);
  if (keyBytes[0] !== 1 || keyBytes.length !== 33) throw new Error("the public key is not an Ed25519 note key");
  const split = note.indexOf("\n\n");
  const body = encoder.encode(note.slice(0, split + 1));
  let key;
  try {
    key = await crypto.subtle.importKey("raw", keyBytes.slice(1), { name: "Ed25519" }, false, ["verify"]);
  } catch {
    return null;
  }
  for (const line of note.slice(split + 2).split("\n")) {
    if (!line.startsWith("\u2014 " + name + " ")) continue;
    const signature = base64(line.slice(name.length + 3));
    const hash = Array.from(signature.slice(0, 4), (byte) => byte.toString(16).padStart(2, "0")).join("");
    if (hash !== keyHash) continue;
    if (await crypto.subtle.verify({ name: "Ed25519" }, key, signature.slice(4), body)) return true;
  }
  return false;
}

/** Proves the event `id` (with `seq`) is in the latest signed checkpoint; `get(path, raw)` reads
 * the API. Returns {ok, lines} — what was proven, or what failed, in words. */
export async function verifyEvent(get, id, seq) {
  const lines = [];
  const checkpoint = await get("/v1/checkpoints/latest");
  if (seq > checkpoint.tree_size) {
    return { ok: null, lines: ["Event " + seq + " is newer than the latest signed checkpoint (" + checkpoint.tree_size + " events): try again in a few seconds."] };
  }
  const raw = new Uint8Array(await get("/v1/events/" + encodeURIComponent(id), true));
  const leaf = await sha256(Uint8Array.of(0), canonicalBytes(raw));
  const proof = await get("/v1/proofs/inclusion?seq=" + seq + "&tree_size=" + checkpoint.tree_size);
  const root = await rootFromInclusionProof(leaf, proof.leaf_index, proof.tree_size, proof.audit_path.map(base64));
  const noteRoot = base64(checkpoint.note.split("\n")[2]);
  if (!root || !equal(root, noteRoot)) {
    return { ok: false, lines: ["FAILED: event " + seq + "'s bytes, hashed as a leaf, do not lead through its inclusion proof to the signed root of " + checkpoint.tree_size + " events: the event as served is not the one the log signed."] };
  }
  lines.push("The event's canonical bytes hash to a leaf that leads, through " + proof.audit_path.length + " proof hashes, to the root of the tree of " + checkpoint.tree_size + " events.");
  const signed = await noteIsSigned(checkpoint.note, checkpoint.public_key);
  if (signed === null) {
    lines.push("This browser has no Ed25519 in WebCrypto: the checkpoint's signature was not checked here (audittrail verify does).");
    return { ok: null, lines };
  }
  if (!signed) return { ok: false, lines: lines.concat(["FAILED: the checkpoint's signature does not hold under " + checkpoint.public_key + "."]) };
  lines.push("That root is signed (Ed25519) by " + checkpoint.public_key + " — compare it with `audittrail keys public`.");
  return { ok: true, lines };
}
