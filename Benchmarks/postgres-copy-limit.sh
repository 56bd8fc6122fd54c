#!/usr/bin/env bash
# PostgreSQL's own append limit on this machine for exactly what AuditTrail stores: the reference
# of `audittrail bench ingest --database-url` (issue 13: "PostgreSQL's own COPY of the same rows
# with the same indexes").
#
#   audittrail bench ingest --events 1000000 --database-url URL --keep-schema   # prints "kept schema NAME"
#   bash Benchmarks/postgres-copy-limit.sh URL NAME
#
# It dumps every row the benchmark stored (events, event_ids, merkle_nodes, the search index's
# tables, action counts, checkpoints), in the order they were appended, makes an empty copy of the
# schema with the same DDL (pg_dump --schema-only: the same partitions, indexes and triggers), and
# times psql loading the rows back with COPY in durable transactions of 10,000 events each (every
# table's share of those events in the same transaction, as an append writes them), from one
# session on the same machine. Prints events/s. Both schemas are dropped afterwards (the kept
# one too: pass KEEP=1 to keep it).
#
#   bash Benchmarks/postgres-copy-limit.sh URL --simple [ROWS]
#
# is the earlier, looser reference: ROWS rows of ~720 bytes into a table with one primary key.
set -euo pipefail
url=${1:?usage: postgres-copy-limit.sh URL SCHEMA | URL --simple [ROWS]}
source_schema=${2:?usage: postgres-copy-limit.sh URL SCHEMA | URL --simple [ROWS]}
per=10000
schema="copy_limit_$$"
work=$(mktemp -d)
cleanup() {
    psql -q "$url" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
    if [ "$source_schema" != "--simple" ] && [ "${KEEP:-0}" != 1 ]; then
        psql -q "$url" -c "DROP SCHEMA IF EXISTS $source_schema CASCADE" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if [ "$source_schema" = "--simple" ]; then
    rows=${3:-1000000}
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
    exit 0
fi

case "$source_schema" in
    *[!a-z0-9_]*) echo "SCHEMA: a lower-case identifier (a-z, 0-9, _)" >&2; exit 2 ;;
esac
events=$(psql -At -v ON_ERROR_STOP=1 "$url" -c "SELECT count(*) FROM $source_schema.events")
[ "$events" -gt 0 ] || { echo "$source_schema.events is empty" >&2; exit 2; }
pieces=$(( (events + per - 1) / per ))

# Each table's rows in append order (what a sequence of appends inserts, in that order).
declare -A order=(
    [events]="seq"
    [event_ids]="seq"
    [merkle_nodes]="idx * (1::bigint << level), level"
    [action_counts]="action"
    [checkpoints]="tree_size"
    [index_chunks]="chunk"
    [index_sets]="chunk, kind, key"
    [index_spans]="span"
)
tables=()
for table in events event_ids merkle_nodes index_chunks index_sets index_spans action_counts checkpoints; do
    count=$(psql -At -v ON_ERROR_STOP=1 "$url" -c "SELECT count(*) FROM $source_schema.$table")
    [ "$count" -gt 0 ] || continue
    tables+=("$table")
    psql -q -v ON_ERROR_STOP=1 "$url" \
        -c "\\copy (SELECT * FROM $source_schema.$table ORDER BY ${order[$table]}) TO '$work/$table.txt'"
    # The same number of pieces for every table: piece i goes into transaction i.
    split -n "l/$pieces" -d -a 5 "$work/$table.txt" "$work/$table.piece."
    rm "$work/$table.txt"
done

# The same DDL in a new, empty schema.
pg_dump --schema-only -n "$source_schema" "$url" | sed "s/\\b$source_schema\\b/$schema/g" | psql -q -v ON_ERROR_STOP=1 "$url" >/dev/null

script="$work/copy.sql"
: >"$script"
for ((i = 0; i < pieces; i++)); do
    suffix=$(printf "%05d" "$i")
    echo "BEGIN;" >>"$script"
    for table in "${tables[@]}"; do
        [ -s "$work/$table.piece.$suffix" ] && echo "\\copy $schema.$table FROM '$work/$table.piece.$suffix'" >>"$script"
    done
    echo "COMMIT;" >>"$script"
done
start=$(date +%s.%N)
psql -q -v ON_ERROR_STOP=1 "$url" -f "$script" >/dev/null
end=$(date +%s.%N)
loaded=$(psql -At -v ON_ERROR_STOP=1 "$url" -c "SELECT count(*) FROM $schema.events")
[ "$loaded" = "$events" ] || { echo "loaded $loaded of $events events" >&2; exit 1; }
python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print('COPY: %d events in %.2f s = %d events/s (tables: %s; %d durable transactions, same DDL as %s)' % (int(sys.argv[3]), s, int(sys.argv[3])/s, sys.argv[4], int(sys.argv[5]), sys.argv[6]))" \
    "$start" "$end" "$events" "${tables[*]}" "$pieces" "$source_schema"
