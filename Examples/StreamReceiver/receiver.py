#!/usr/bin/env python3
"""A webhook receiver for an AuditTrail stream, in the Python standard library only.

It checks what a receiver can check without AuditTrail's code, and keeps each batch as a file:
  1. the signature: AuditTrail-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>,
     within 5 minutes of this machine's clock;
  2. the range: a batch of the verifiable jsonl format starts where the last one kept ended
     (its header's range.after is the last range.through); a batch already kept is acknowledged
     again and dropped (delivery is at least once);
  3. the chain, in a contiguous (unfiltered) stream: the batch's chain_start is the last batch's
     final hash, and each event line's hash is SHA-256(previous hash || SHA-256(0x00 || the
     line's canonical bytes)), the canonical bytes being the line without its ,"hash":"…" suffix.
A batch that fails is answered 4xx and not kept. The signed checkpoint in each batch binds it to
the log's public key: `audittrail verify --stream-batch DIR --public-key KEY` checks that too.

    python3 receiver.py --port 9000 --secret-file stream.secret --dir received
"""
import argparse, hashlib, hmac, json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Lock

SUFFIX = len(',"hash":"') + 64 + len('"}')


def check_chain(lines, start_hex):
    """The hash after the batch's events, or raises ValueError naming the bad seq."""
    h = bytes.fromhex(start_hex)
    for line in lines:
        if not line.startswith(b'{"action":'):
            continue
        canonical, given = line[:-SUFFIX] + b"}", line[-SUFFIX + 9:-2].decode()
        h = hashlib.sha256(h + hashlib.sha256(b"\x00" + canonical).digest()).digest()
        if h.hex() != given:
            raise ValueError("seq %s: the chain hash does not match" % json.loads(line).get("seq"))
    return h.hex()


class State:
    def __init__(self, directory):
        self.directory, self.lock = directory, Lock()
        self.path = os.path.join(directory, "receiver-state.json")
        os.makedirs(directory, exist_ok=True)
        try:
            with open(self.path) as f:
                self.through, self.last_hash = json.load(f)
        except FileNotFoundError:
            self.through, self.last_hash = None, None

    def keep(self, body):
        lines = body.split(b"\n")
        header = json.loads(lines[0])["audittrail_export"]
        after, through = header["range"]["after"], header["range"]["through"]
        with self.lock:
            if self.through is not None and through <= self.through:
                return 200, "already kept"
            if self.through is not None and after != self.through:
                return 409, "batch starts after %d, the last one kept ends at %d" % (after, self.through)
            last = None
            if header["contiguous"]:
                start = header["chain_start"]["hash"]
                if self.last_hash is not None and start != self.last_hash:
                    return 409, "the chain does not continue the last batch"
                last = check_chain(lines[1:], start)
            name = "audittrail-%020d-%020d.jsonl" % (after + 1, through)
            with open(os.path.join(self.directory, name), "wb") as f:
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
            self.through, self.last_hash = through, last
            with open(self.path + ".tmp", "w") as f:
                json.dump([self.through, self.last_hash], f)
            os.replace(self.path + ".tmp", self.path)
            return 200, "kept %s" % name


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    secret = open(args.secret_file, "rb").read().strip()
    state = State(args.dir)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            fields = dict(p.split("=", 1) for p in self.headers.get("AuditTrail-Signature", "").split(",") if "=" in p)
            expected = hmac.new(secret, fields.get("t", "").encode() + b"." + body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, fields.get("v1", "")) or abs(time.time() - int(fields.get("t", "0"))) > 300:
                return self.answer(401, "bad signature")
            try:
                self.answer(*state.keep(body))
            except (ValueError, KeyError, IndexError) as error:
                self.answer(422, "refused: %s" % error)

        def answer(self, status, text):
            data = (text + "\n").encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            if status >= 400:
                print("refused a batch: %d %s" % (status, text), file=sys.stderr, flush=True)

        def log_message(self, *_):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % server.server_address[1])
        os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
