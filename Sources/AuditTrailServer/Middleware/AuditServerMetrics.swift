import AuditTrail
import CAuditProcess
import HTTPTypes
import Hummingbird
import Prometheus
import Synchronization

/// The server's metrics, in a Prometheus registry owned by the application (the global
/// `MetricsSystem` is never bootstrapped by library code).
///
/// Series: `audittrail_events_ingested_total`, `audittrail_commit_batch_events` (histogram),
/// `audittrail_commit_duration_seconds` (histogram), `audittrail_writer_queue_depth` (gauge),
/// `audittrail_log_head_seq` (gauge: the newest event's seq), `audittrail_heap_in_use_bytes` and
/// `audittrail_heap_free_bytes` (gauges: the C heap in live allocations, and free but kept by
/// the allocator — growth in the first is data held, in the second fragmentation),
/// `audittrail_index_cache_bytes` (gauge: what the search index's cache holds, against
/// `--index-cache-mib`),
/// `audittrail_http_requests_total{route,method,status}`, `audittrail_http_request_duration_seconds{route,method}`,
/// and for each stream this process delivers `audittrail_stream_lag_events{stream}`,
/// `audittrail_stream_failing{stream}` (1 while its deliveries fail) and
/// `audittrail_stream_delivered_seq{stream}`.
public final class AuditServerMetrics: Sendable {
    /// The registry `/metrics` emits.
    public let registry: PrometheusCollectorRegistry
    let eventsIngested: Counter
    let commitBatchSizes: ValueHistogram
    let commitDurations: DurationHistogram
    let queueDepth: Gauge
    let headSeq: Gauge
    let heapInUse: Gauge
    let heapFree: Gauge
    let indexCache: Gauge
    let liveTails: Gauge
    private let httpSeries = Mutex<[String: (Counter, DurationHistogram)]>([:])
    /// Per stream this process delivers: lag in events, failing (0/1), delivered-through seq.
    private let streamSeries = Mutex<[String: (lag: Gauge, failing: Gauge, delivered: Gauge)]>([:])

    static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
    ]

    /// Registers every series in `registry`.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        eventsIngested = registry.makeCounter(
            descriptor: .init(
                namespace: "audittrail",
                metricName: "events_ingested",
                unitName: "total",
                helpText: "Events newly committed to the log (idempotent re-sends not counted)."
            )
        )
        commitBatchSizes = registry.makeValueHistogram(
            descriptor: .init(
                namespace: "audittrail",
                metricName: "commit_batch",
                unitName: "events",
                helpText: "Events per group commit."
            ),
            buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]
        )
        commitDurations = registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "audittrail",
                metricName: "commit_duration",
                unitName: "seconds",
                helpText: "Time the store took to commit one group."
            ),
            buckets: Self.latencyBuckets
        )
        queueDepth = registry.makeGauge(
            descriptor: .init(
                namespace: "audittrail",
                metricName: "writer_queue_depth",
                unitName: "events",
                helpText: "Events queued or committing in the writer."
            )
        )
        headSeq = registry.makeGauge(
            descriptor: .init(
                namespace: "audittrail",
                metricName: "log_head",
                unitName: "seq",
                helpText: "The seq of the newest event in the log (0: empty)."
            )
        )
        heapInUse = registry.makeGauge(
            descriptor: .init(
                namespace: "audittrail",
                metricName: "heap_in_use",
                unitName: "bytes",
                helpText: "C heap in live allocations (glibc mallinfo2, read at each scrape)."
            )
        )
        heapFree = registry.makeGauge(
            descriptor: .init(
                namespace: "audittrail",
                metricName: "heap_free",
                unitName: "bytes",
                helpText: "C heap the allocator holds free (fragmentation; glibc mallinfo2, read at each scrape)."
            )
        )
        indexCache = registry.makeGauge(
            descriptor: .init(
                namespace: "audittrail",
                metricName: "index_cache",
                unitName: "bytes",
                helpText: "Memory the search index's cache holds (decoded sets, rollups), bounded by --index-cache-mib."
            )
        )
        liveTails = registry.makeGauge(
            descriptor: .init(
                namespace: "audittrail",
                metricName: "live_tails",
                unitName: "",
                helpText: "Live tails (GET /v1/stream) open now, bounded by --tail-max-streams."
            )
        )
    }

    /// The writer observer that feeds the commit series.
    var writerObserver: AuditWriter.Observer {
        { [self] commit in
            eventsIngested.increment(by: Int64(commit.count))
            commitBatchSizes.record(Double(commit.submitted))
            commitDurations.record(commit.duration)
            queueDepth.set(to: Double(commit.queueDepth))
        }
    }

    /// Counts one HTTP request and records its latency.
    func recordRequest(route: String, method: HTTPRequest.Method, status: Int, duration: Duration) {
        let key = "\(route) \(method.rawValue) \(status)"
        let series = httpSeries.withLock { $0[key] }
        let (counter, histogram) = series ?? makeSeries(key: key, route: route, method: method.rawValue, status: status)
        counter.increment()
        histogram.record(duration)
    }

    private func makeSeries(key: String, route: String, method: String, status: Int) -> (Counter, DurationHistogram) {
        let counter = registry.makeCounter(
            descriptor: .init(
                namespace: "audittrail",
                metricName: "http_requests",
                unitName: "total",
                helpText: "HTTP requests by route, method and status."
            ),
            labels: [("route", route), ("method", method), ("status", String(status))]
        )
        let histogram = registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "audittrail",
                metricName: "http_request_duration",
                unitName: "seconds",
                helpText: "HTTP request latency by route and method."
            ),
            labels: [("route", route), ("method", method)],
            buckets: Self.latencyBuckets
        )
        httpSeries.withLock { $0[key] = (counter, histogram) }
        return (counter, histogram)
    }

    /// Sets the stream series from the positions of the streams this process delivers (by id),
    /// and drops the series of those it no longer does.
    func updateStreams(_ positions: [String: AuditStreamPosition], headSeq: Int64?) {
        streamSeries.withLock { series in
            for (id, gauges) in series where positions[id] == nil {
                registry.unregisterGauge(gauges.lag)
                registry.unregisterGauge(gauges.failing)
                registry.unregisterGauge(gauges.delivered)
                series[id] = nil
            }
            for (id, position) in positions {
                let gauges = series[id] ?? makeStreamSeries(id)
                series[id] = gauges
                gauges.lag.set(to: Double(max(0, (headSeq ?? position.scannedThrough) - position.scannedThrough)))
                gauges.failing.set(to: position.failingSince == nil ? 0 : 1)
                gauges.delivered.set(to: Double(position.deliveredThrough))
            }
        }
    }

    private func makeStreamSeries(_ id: String) -> (lag: Gauge, failing: Gauge, delivered: Gauge) {
        func gauge(_ name: String, _ unit: String, _ help: String) -> Gauge {
            registry.makeGauge(
                descriptor: .init(namespace: "audittrail", metricName: name, unitName: unit, helpText: help),
                labels: [("stream", id)]
            )
        }
        return (
            gauge("stream_lag", "events", "Events committed after the stream's scan position (0: caught up)."),
            gauge("stream_failing", "", "1 while the stream's deliveries fail."),
            gauge("stream_delivered", "seq", "Every matching event up to this seq was acknowledged by the stream's destination.")
        )
    }

    /// The Prometheus text exposition, with the queue depth, the head seq (when the store
    /// answered), the index cache and the heap read fresh.
    func exposition(queueDepth depth: Int, headSeq seq: Int64?, indexCacheBytes: Int?, liveTails tails: Int) -> [UInt8] {
        queueDepth.set(to: Double(depth))
        liveTails.set(to: Double(tails))
        if let seq { headSeq.set(to: Double(seq)) }
        if let indexCacheBytes { indexCache.set(to: Double(indexCacheBytes)) }
        var heap = caudit_heap_stats()
        if caudit_heap_stats_read(&heap) == 1 {
            heapInUse.set(to: Double(heap.in_use))
            heapFree.set(to: Double(heap.free))
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        return buffer
    }
}
