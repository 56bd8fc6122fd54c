"""Where a server's CPU goes per request (or per event), from a `perf` profile.

Sums the samples of `perf script -F comm,ip,sym` by category — the first category (in the order
below) whose pattern appears in a frame of the sample's stack — and prints µs of CPU per request,
per thread kind and per category. The categories name the single-POST path of `audittrail serve`
and of `audittrail bench floor-server`; README, "Where the write path's time goes".

    perf record -F 1999 -g -p $(pgrep -f 'audittrail serve') -o perf.data -- sleep 10   # under wrk
    perf script -i perf.data -F comm,ip,sym > perf.txt
    python3 Benchmarks/perf-request-categories.py perf.txt REQUESTS_IN_THOSE_10_S [HZ]
"""
import collections
import sys

CATEGORIES = [
    ("SQLite commit (WAL frames, fsync)", "vdbeCommit"),
    ("SQLite append: rows, id index, Merkle rows", "C6appendySay0aB00A12AppendResult"),
    ("search index: keys added to the chunk", "ChunkIndex"),
    ("search index: catch-up", "IndexTail"),
    ("alert rules", "Alert"),
    ("event: JSON read", "EventInputV9jsonBytes"),
    ("event: validate, redact, canonical parts", "EventValidatorV7prepare"),
    ("writer: group, resume", "AuditWriter"),
    ("ingest route (body, answer)", "ingestOne"),
    ("Hummingbird router", "RouterResponder8respond"),
    ("API key: authenticator", "KeyAuthenticator"),
    ("API key: middleware", "KeyMiddleware"),
    ("metrics middleware", "MetricsMiddleware"),
    ("Hummingbird router, middleware frames", "Router"),
    ("Hummingbird request/response task", "handleHTTP"),
    ("Hummingbird application", "ApplicationProtocol"),
    ("NIO response writer hand-off", "NIOAsyncWriter"),
    ("NIO request body stream hand-off", "AsyncSequenceProducer"),
    ("event loop: read, parse HTTP", "readFromD0"),
    ("event loop: write responses", "flushNow"),
    ("event loop: outbound writes", "_doOutboundWrites"),
    ("event loop: wait, wake-ups, rest", "NIOPosix"),
    ("Swift tasks: scheduling, continuations", "swift_job_run"),
    ("Swift pool threads: woken, idle", "_dispatch_worker_thread"),
]


def samples(path):
    current = None
    for line in open(path):
        if not line.strip():
            if current:
                yield current
            current = None
        elif not line.startswith((" ", "\t")):
            current = (line.split()[0] if line.split() else "?", [])
        elif current is not None:
            parts = line.strip().split(" ", 1)
            current[1].append(parts[1] if len(parts) > 1 else parts[0])
    if current:
        yield current


def thread_kind(comm):
    if "qos" in comm:
        return "Swift pool"
    if comm.startswith("NIO"):
        return "NIO event loops"
    if comm.startswith("TP-"):
        return "NIO thread pool (SQLite)"
    return comm


def main():
    path, requests = sys.argv[1], float(sys.argv[2])
    hz = float(sys.argv[3]) if len(sys.argv) > 3 else 1999.0
    by_category, by_thread, total = collections.Counter(), collections.Counter(), 0
    for comm, stack in samples(path):
        total += 1
        name = next((n for n, pattern in CATEGORIES if any(pattern in frame for frame in stack)), f"other ({thread_kind(comm)})")
        by_category[name] += 1
        by_thread[thread_kind(comm)] += 1
    us = lambda count: count / hz / requests * 1e6
    print(f"total {us(total):.1f} µs per request ({total} samples)")
    for name, count in by_thread.most_common():
        print(f"  thread {name:28} {us(count):6.1f}")
    for name, count in by_category.most_common():
        print(f"  {name:48} {us(count):6.1f}")


if __name__ == "__main__":
    main()
