#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on 127.0.0.1 for the tests (Debian's packages; installed
# when missing), with two roles as the README describes: audittrail_owner (owns the schema, runs
# migrations) and audittrail_app (serves: no UPDATE/DELETE/TRUNCATE on the log's tables).
#
#   eval "$(bash .ci/postgres.sh start [DIR] [PORT])"   # exports AUDITTRAIL_TEST_POSTGRES(_APP)
#   bash .ci/postgres.sh stop [DIR]
#   bash .ci/postgres.sh resume [DIR]                    # starts a stopped server again, data kept
set -euo pipefail
command="${1:-start}"
dir="${2:-/tmp/audittrail-postgres}"
port="${3:-54329}"

bin=""
find_bin() {
    for candidate in /usr/lib/postgresql/*/bin; do
        if [ -x "$candidate/initdb" ]; then bin="$candidate"; fi
    done
}
find_bin
if [ -z "$bin" ]; then
    echo "installing PostgreSQL (Debian's packages)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >&2
    find_bin
fi
[ -n "$bin" ] || { echo "PostgreSQL's initdb not found" >&2; exit 1; }

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
    if [ -f "$dir/data/postmaster.pid" ] && as_postgres "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        echo "PostgreSQL already runs in $dir" >&2
    else
        rm -rf "$dir"
        mkdir -p "$dir"
        if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
        as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
        cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 400
shared_buffers = 128MB
fsync = on
synchronous_commit = on
CONF
        as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
        as_postgres "$bin/psql" -h "$dir" -p "$port" -U postgres -q -v ON_ERROR_STOP=1 <<SQL >/dev/null
CREATE ROLE audittrail_owner LOGIN PASSWORD 'owner-secret';
CREATE ROLE audittrail_app LOGIN PASSWORD 'app-secret';
CREATE DATABASE audittrail OWNER audittrail_owner;
SQL
    fi
    echo "export AUDITTRAIL_TEST_POSTGRES='postgres://audittrail_owner:owner-secret@127.0.0.1:$port/audittrail'"
    echo "export AUDITTRAIL_TEST_POSTGRES_APP='postgres://audittrail_app:app-secret@127.0.0.1:$port/audittrail'"
    ;;
stop)
    if [ -d "$dir/data" ]; then as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; fi
    ;;
resume)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
    ;;
*)
    echo "usage: $0 start|stop|resume [DIR] [PORT]" >&2
    exit 2
    ;;
esac
