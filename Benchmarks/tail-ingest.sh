#!/bin/bash
# Single-event ingest at 64 connections (wrk, 10 s) with no live tail open and with 16 open
# (GET /v1/stream?action=doc.*, read by curl -N), alternating, three rounds, on a fresh release
# server; prints each run's requests/s and how many `id:` lines the tails received in all.
# Usage, from the repository root after `swift build -c release --product audittrail`:
#   bash Benchmarks/tail-ingest.sh
set -u
B=${AUDITTRAIL_BIN:-.build/release/audittrail}
LUA=$(cd "$(dirname "$0")" && pwd)/tail-ingest-post.lua
mkdir -p /tmp/tailbench
K=bench-admin-key-0123456789
rm -rf /tmp/tailbench/data
AUDITTRAIL_ADMIN_KEY=$K $B serve --port 18555 --data-dir /tmp/tailbench/data --log-level error > /tmp/tailbench/server.log 2>&1 &
S=$!
sleep 3
for round in 1 2 3; do
  for tails in 0 16; do
    pids=()
    for i in $(seq 1 $tails); do
      curl -s -N -H "Authorization: Bearer $K" "http://127.0.0.1:18555/v1/stream?action=doc.*" > /tmp/tailbench/tail-$i.out &
      pids+=($!)
    done
    sleep 1
    r=$(wrk -t2 -c64 -d10s -s "$LUA" http://127.0.0.1:18555/v1/events | awk '/Requests\/sec/ {print $2} /99%/ {print $2}' | tr '\n' ' ')
    sleep 1.5
    lines=0
    for i in $(seq 1 $tails); do n=$(grep -c '^id: ' /tmp/tailbench/tail-$i.out); lines=$((lines + n)); done
    for p in "${pids[@]:-}"; do [ -n "$p" ] && kill $p 2>/dev/null; done
    echo "round $round tails $tails: req/s p99 = $r  tail lines total=$lines"
  done
done
kill $S; wait $S 2>/dev/null
