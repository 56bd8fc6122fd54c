#!/usr/bin/env bash
# Runs the README's curl walk-through verbatim against the README's server command, in a
# scratch data directory, and checks that the event it posts comes back.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
# The server runs in its own process group (setsid), so that stopping it also stops what
# `swift run` started, whatever the toolchain does (exec or fork).
stop_server() {
  if [ -n "${server:-}" ]; then
    kill -TERM -- "-$server" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$server" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop_server EXIT
if curl -fsS http://127.0.0.1:8080/healthz >/dev/null 2>&1; then
  echo "something already listens on 127.0.0.1:8080; stop it first" >&2
  exit 1
fi

# The server command from the README (same default port; the data directory is the default too,
# relative to the working directory, so run it from the scratch folder).
root=$PWD
setsid bash -c 'cd "$1" && exec swift run --package-path "$2" audittrail serve' _ "$work" "$root" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  curl -fsS http://127.0.0.1:8080/healthz >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS http://127.0.0.1:8080/healthz >/dev/null || { cat "$work/server.log"; exit 1; }

# Extract the walk-through block and run it from the scratch folder, with `swift run` pointed at the package.
python3 - "$root/README.md" >"$work/walkthrough.sh" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
block = re.search(r"<!-- walkthrough:start -->\s*```(?:bash|sh)\n(.*?)```\s*<!-- walkthrough:end -->", text, re.S)
if not block:
    sys.exit("README has no walk-through block")
print("set -euo pipefail")
print(block.group(1))
PY
cat "$work/walkthrough.sh"
out=$(cd "$work" && SWIFT_RUN_PACKAGE="$root" bash -c "swift() { command swift \"\$1\" --package-path \"$root\" \"\${@:2}\"; }; export -f swift; bash $work/walkthrough.sh")
echo "$out"
echo "$out" | grep -q '"action":"user.login"' || { echo "walk-through did not return the posted event"; cat "$work/server.log"; exit 1; }
echo "walk-through OK"
