#!/usr/bin/env bash
# PostgreSQL's own append limit on this machine, the reference for `audittrail bench ingest
# --database-url`: ROWS rows of ~720 bytes (the size of a typical stored event) written with
# COPY in 10,000-row transactions (synchronous_commit on: each commit is durable), into a table
# with one B-tree (its primary key), from one psql session on the same machine.
#
#   bash Benchmarks/postgres-copy-limit.sh postgres://audittrail_owner:owner-secret@127.0.0.1:54329/audittrail [ROWS]
#
# Prints rows/s. The role must be allowed to create a schema; the schema is dropped afterwards.
set -euo pipefail
url=${1:?usage: postgres-copy-limit.sh URL [ROWS]}
rows=${2:-1000000}
per=10000
schema="copy_limit_$$"
work=$(mktemp -d)
trap 'psql -q "$url" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

python3 - "$work" "$rows" "$per" <<'PY'
import os, sys
work, rows, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for start in range(0, rows, per):
    with open(os.path.join(work, "chunk-%08d.csv" % start), "w") as out:
        for seq in range(start + 1, min(rows, start + per) + 1):
            body = os.urandom(345).hex()  # 690 characters
            out.write("%d,%d,%s\n" % (seq, 1764000000000 + seq, body))
PY

psql -q -v ON_ERROR_STOP=1 "$url" -c "CREATE SCHEMA $schema; CREATE TABLE $schema.events (seq bigint PRIMARY KEY, received_at bigint NOT NULL, body text NOT NULL)"
script="$work/copy.sql"
: >"$script"
for file in "$work"/chunk-*.csv; do
    echo "\\copy $schema.events FROM '$file' WITH (FORMAT csv)" >>"$script"
done
start=$(date +%s.%N)
psql -q -v ON_ERROR_STOP=1 "$url" -f "$script" >/dev/null
end=$(date +%s.%N)
python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print('COPY: %d rows in %.2f s = %d rows/s (10,000-row durable transactions, one primary key)' % (int(sys.argv[3]), s, int(sys.argv[3])/s))" "$start" "$end" "$rows"
