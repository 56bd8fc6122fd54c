#!/usr/bin/env bash
# Schemathesis (PyPI) with every check against the OpenAPI document a fresh server serves, with
# an admin key, from the repository root (so it reads ./schemathesis.toml and its hooks). Bounded:
# EXAMPLES examples per operation and phase (default 30), and 10 minutes at most.
# Usage: .ci/schemathesis.sh [EXAMPLES]   (after `swift build`; uses .build/debug/audittrail)
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-30}
export PATH="$HOME/.local/bin:$PATH"
if ! command -v schemathesis >/dev/null; then
  # Debian's Python refuses installs outside a virtual environment (PEP 668): then make one.
  python3 -m pip install -q "schemathesis==4.32.5" 2>/dev/null || {
    python3 -m venv "${TMPDIR:-/tmp}/audittrail-schemathesis" && "${TMPDIR:-/tmp}/audittrail-schemathesis/bin/pip" install -q "schemathesis==4.32.5"
    export PATH="${TMPDIR:-/tmp}/audittrail-schemathesis/bin:$PATH"
  }
fi
work=$(mktemp -d)
key="st-admin-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
port=18199
AUDITTRAIL_ADMIN_KEY=$key .build/debug/audittrail serve --port $port --data-dir "$work/data" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
status=0
timeout 600 schemathesis run "http://127.0.0.1:$port/openapi.json" --checks all \
  -H "Authorization: Bearer $key" --exclude-operation-id stream --max-examples "$examples" --seed "${SCHEMATHESIS_SEED:-1}" --continue-on-failure --no-color \
  || status=$?
if ! kill -0 $server 2>/dev/null; then
  echo "the server died during the run:"; tail -20 "$work/server.log"
  status=1
fi
exit $status
