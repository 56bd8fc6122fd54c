#!/usr/bin/env bash
# The web explorer's browser tests (Tests/Browser/explorer_test.py): Debian's chromium and
# chromedriver, Selenium from PyPI, against a fresh server (.build/debug/audittrail, after
# `swift build`) with seeded events. Screenshots of failing tests go to $SCREENSHOTS (default
# ./explorer-screenshots).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v sqlite3 >/dev/null || need+=(sqlite3)   # the tamper test edits a stored event
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}"
fi
export PATH="$HOME/.local/bin:$PATH"
python3 -c "import selenium" 2>/dev/null || python3 -m pip install -q "selenium==4.51.0" 2>/dev/null || {
  python3 -m venv "${TMPDIR:-/tmp}/audittrail-selenium" && "${TMPDIR:-/tmp}/audittrail-selenium/bin/pip" install -q "selenium==4.51.0"
  export PATH="${TMPDIR:-/tmp}/audittrail-selenium/bin:$PATH"
}
work=$(mktemp -d)
key="ex-admin-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
port=18299
AUDITTRAIL_ADMIN_KEY=$key .build/debug/audittrail serve --port $port --data-dir "$work/data" --checkpoint-seconds 1 >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
python3 Tests/Browser/explorer_test.py "http://127.0.0.1:$port" "$key" "${SCREENSHOTS:-$PWD/explorer-screenshots}" "$work/data"
