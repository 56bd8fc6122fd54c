#!/usr/bin/env python3
"""Live tail latency: the time from a POST /v1/events answer to the event's arrival on an open
GET /v1/stream, for N events posted one at a time at a steady rate, on a running server.

Usage: python3 Benchmarks/tail-latency.py URL KEY [N] [RATE] [LOAD]
(e.g. a release server: AUDITTRAIL_ADMIN_KEY=… .build/release/audittrail serve --port 18556 --data-dir /tmp/tl)

LOAD (default 0): other events per second posted meanwhile, in batches of 100 over 4 connections
(doc.view, which the tail's filter passes over), so the latency is measured under that ingest; the
ingest rate reached is printed.
"""
import http.client, json, sys, threading, time, urllib.parse

url, key = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 500
rate = float(sys.argv[4]) if len(sys.argv) > 4 else 100.0
load = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
parts = urllib.parse.urlsplit(url)
loaded = [0]
stop = threading.Event()

def background(share):
    conn = http.client.HTTPConnection(parts.hostname, parts.port)
    body = json.dumps([{"action": "doc.view", "actor": {"id": "u-%d" % i}} for i in range(100)])
    headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
    interval, next_at = 100.0 / share, time.monotonic()
    while not stop.is_set():
        conn.request("POST", "/v1/events/batch", body=body, headers=headers)
        conn.getresponse().read()
        loaded[0] += 100
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))
arrived = {}
ready = threading.Event()

def follow():
    conn = http.client.HTTPConnection(parts.hostname, parts.port)
    conn.request("GET", "/v1/stream?action=bench.tail", headers={"Authorization": "Bearer " + key})
    response = conn.getresponse()
    ready.set()
    while len(arrived) < count:
        line = response.readline()
        if not line:
            break
        if line.startswith(b"data: "):
            event = json.loads(line[6:])
            arrived[event["description"]] = time.monotonic()

threading.Thread(target=follow, daemon=True).start()
ready.wait(10)
if load > 0:
    for _ in range(4):
        threading.Thread(target=background, args=(load / 4,), daemon=True).start()
time.sleep(0.5)
started, loaded[0] = time.monotonic(), 0
poster = http.client.HTTPConnection(parts.hostname, parts.port)
answered = {}
for index in range(count):
    body = json.dumps({"action": "bench.tail", "description": str(index)})
    poster.request("POST", "/v1/events", body=body, headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    poster.getresponse().read()
    answered[str(index)] = time.monotonic()
    time.sleep(1.0 / rate)
elapsed, stop_count = time.monotonic() - started, loaded[0]
stop.set()
deadline = time.monotonic() + 10
while len(arrived) < count and time.monotonic() < deadline:
    time.sleep(0.05)
latencies = sorted(max(0.0, arrived[k] - answered[k]) * 1000 for k in answered if k in arrived)
def pct(p):
    return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]
print(f"{len(latencies)}/{count} events arrived; after the POST's answer: p50 {pct(50):.2f} ms, p90 {pct(90):.2f} ms, p99 {pct(99):.2f} ms, max {latencies[-1]:.2f} ms; other ingest meanwhile {stop_count / elapsed:.0f} events/s")
