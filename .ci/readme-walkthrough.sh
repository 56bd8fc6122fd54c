#!/usr/bin/env bash
# The README as a newcomer meets it, in the repository root of a fresh clone:
#   1. the README's server command (the first of "the two commands"), verbatim, until it listens;
#   2. the admin-key command the server printed, copied from its output and run as printed;
#   3. every command of the README's walk-through block, verbatim and in order, in one shell.
# Every command of 2 and 3 must finish within 5 s (the build is over by then). Prints the time from
# the server command to its first answered request, each step's time and the walk-through's total.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
limit_ms=5000
work=$(mktemp -d)

if curl -fsS http://127.0.0.1:8080/healthz >/dev/null 2>&1; then
  echo "something already listens on 127.0.0.1:8080; stop it first" >&2
  exit 1
fi
if [ -e audittrail-data ]; then
  echo "./audittrail-data exists: the walk-through runs as on a fresh clone; move it away first" >&2
  exit 1
fi

# The server runs in its own process group (setsid), so that stopping it also stops what
# `swift run` started, whatever the toolchain does (exec or fork).
stop_server() {
  if [ -n "${server:-}" ]; then
    # Ctrl-C first (SIGINT to the group, as a terminal sends it), then SIGTERM, then SIGKILL.
    kill -INT -- "-$server" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 -- "-$server" 2>/dev/null || break; sleep 0.1; done
    kill -TERM -- "-$server" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$server" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$server" 2>/dev/null || true
    server=
  fi
}
cleanup() {
  stop_server
  rm -rf "$root/audittrail-data" "$work"
}
trap cleanup EXIT

# The README's blocks: the two commands, and the walk-through split into commands (a command is
# a line with its backslash continuations; comments and blank lines are not commands).
python3 - "$root/README.md" "$work" <<'PY'
import re, sys, shlex
text = open(sys.argv[1]).read()
work = sys.argv[2]
def block(name):
    found = re.search(r"<!-- %s:start -->\s*```(?:bash|sh)\n(.*?)```\s*<!-- %s:end -->" % (name, name), text, re.S)
    if not found:
        sys.exit("README has no %s block" % name)
    return found.group(1)
commands = []
for line in block("two-commands").splitlines():
    line = re.sub(r"\s+#.*$", "", line).strip()
    if line:
        commands.append(line)
if len(commands) != 2:
    sys.exit("the two-commands block must hold exactly two commands, not %r" % commands)
open(work + "/serve-command", "w").write(commands[0] + "\n")
open(work + "/test-command", "w").write(commands[1] + "\n")
steps, current = [], ""
for line in block("walkthrough").splitlines():
    if not current and (not line.strip() or line.lstrip().startswith("#")):
        continue
    current += line + "\n"
    if not line.endswith("\\"):
        steps.append(current)
        current = ""
with open(work + "/walkthrough.sh", "w") as out:
    out.write("set -euo pipefail\n")
    out.write("__step() { local took=$(( ($(date +%s%N) - __start) / 1000000 )); echo \"== step $1 took ${took} ms\" >&2;"
              " if [ $took -gt " + "$LIMIT_MS" + " ]; then echo \"step $1 took ${took} ms (limit ${LIMIT_MS} ms): $2\" >&2; exit 3; fi; }\n")
    for number, step in enumerate(steps, 1):
        first = step.splitlines()[0]
        out.write("echo \"== step %d: %s\" >&2\n" % (number, first.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")))
        out.write("__start=$(date +%s%N)\n")
        out.write(step)
        out.write("__step %d %s\n" % (number, shlex.quote(first)))
    out.write('rm -rf "${OUT:-/nonexistent}"\n')
PY

# .ci/run runs the README's test command; say so if they ever differ.
test_command=$(cat "$work/test-command")
grep -qxF "$test_command" .ci/run || { echo ".ci/run does not run the README's test command: $test_command" >&2; exit 1; }

# 1. The server command, verbatim, from the repository root.
serve_command=$(cat "$work/serve-command")
echo "== the README's server command: $serve_command"
started=$(date +%s%N)
setsid bash -c "$serve_command" >"$work/server.out" 2>"$work/server.err" &
server=$!
answered=
for _ in $(seq 1 1800); do
  if curl -fsS http://127.0.0.1:8080/healthz >/dev/null 2>&1; then answered=$(date +%s%N); break; fi
  kill -0 "$server" 2>/dev/null || break
  sleep 0.5
done
if [ -z "$answered" ]; then
  echo "the server never answered /healthz" >&2
  cat "$work/server.out" "$work/server.err" >&2
  exit 1
fi
for _ in $(seq 1 50); do grep -q '^listening on ' "$work/server.out" && break; sleep 0.1; done
echo "== from the server command to its first answered request: $(( (answered - started) / 1000000 )) ms (build included)"
echo "== what the server printed on standard output:"
cat "$work/server.out"

# 2. The admin-key command the server printed (an indented line after "No admin key exists yet").
hint=$(sed -n '/^No admin key exists yet/,$p' "$work/server.out" | grep -m1 '^    .* keys create ' | sed 's/^ *//' || true)
if [ -z "$hint" ]; then
  echo "the server printed no admin-key command" >&2
  exit 1
fi
echo "== the server's first-start command, as printed: $hint"
walk_started=$(date +%s%N)
hint_started=$(date +%s%N)
hint_output=$(bash -c "$hint")
hint_ms=$(( ($(date +%s%N) - hint_started) / 1000000 ))
echo "$hint_output"
echo "== the first-start command took ${hint_ms} ms"
[ "$hint_ms" -le "$limit_ms" ] || { echo "the first-start command took ${hint_ms} ms (limit ${limit_ms} ms)" >&2; exit 1; }
echo "$hint_output" | grep -q 'key_' || { echo "the first-start command printed no key: $hint_output" >&2; exit 1; }

# 3. The walk-through, verbatim, in one shell in the repository root (a fresh HOME, so that the
#    verify state is the newcomer's: nothing pinned yet).
mkdir -p "$work/home"
echo "== the walk-through:"
cat "$work/walkthrough.sh"
set +e
HOME="$work/home" LIMIT_MS=$limit_ms bash "$work/walkthrough.sh" >"$work/walkthrough.out" 2>"$work/walkthrough.err"
status=$?
set -e
walk_ms=$(( ($(date +%s%N) - walk_started) / 1000000 ))
echo "== walk-through output:"
cat "$work/walkthrough.out"
echo "== walk-through steps:"
cat "$work/walkthrough.err"
if [ "$status" -ne 0 ]; then
  echo "the walk-through failed (exit $status)" >&2
  cat "$work/server.err" >&2
  exit 1
fi

out=$(cat "$work/walkthrough.out")
expect() { grep -q -- "$1" <<<"$out" || { echo "the walk-through's output lacks: $1" >&2; exit 1; }; }
expect '"action":"user.login"'
expect 'postgres://bob:\[REDACTED\]@db/x'
expect '"password":"\[REDACTED\]"'
expect 'SEQ  TIME'
expect 'EVENTS  FAILURES'
expect '^OK: '
expect 'trusted on first use'
if grep -q 'hunter2\|bob:pw@' <<<"$out"; then echo "a secret came back unredacted" >&2; exit 1; fi

# Ctrl-C: the server drains, signs a final checkpoint and says so.
stop_server
grep -q 'audit writer drained' "$work/server.err" || { echo "the server did not say it drained" >&2; cat "$work/server.err" >&2; exit 1; }
grep -q 'audit final checkpoint' "$work/server.err" || { echo "the server did not report its final checkpoint" >&2; exit 1; }
echo "== walk-through OK: the first-start command and every step within ${limit_ms} ms; ${walk_ms} ms in all"
