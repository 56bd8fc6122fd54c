import ArgumentParser
import AuditTrail
import AuditTrailHummingbird
import AuditTrailSQLite
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// `audittrail bench middleware`: the latency ``AuditMiddleware`` adds to a request, measured on the
/// router's responder in-process (no sockets: their noise is larger than the middleware), with and
/// without the middleware in alternating rounds.
struct MiddlewareBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "middleware",
        abstract: "Latency added per request by AuditMiddleware (median, p99, ratio), in-process on the router.",
        discussion: """
            A trivial route (POST /items/{id} → 201) is served by two routers, one without and one with \
            AuditMiddleware (fail-open, default configuration: risk scoring on, a new correlation id per \
            request). Each request is timed alone; rounds alternate between the two routers so that both see \
            the same machine state. Three sinks are measured: one that only counts; an AuditWriterSink \
            (validation + the batching writer) over a store that keeps nothing; and one over a SQLite store \
            in a temporary directory.

            By default requests follow each other back to back, so the events arrive as fast as one core \
            can serve the route — about the in-process writer's own limit on two cores, whose commits then \
            compete with the requests for CPU. --rate paces each round at that many requests per second \
            (the loop spins until each request is due, so no wake-up is timed), which measures the latency \
            added at a load the writer keeps up with.
            """
    )

    @Option(help: "Requests per round and per router.") var requests = 2000
    @Option(help: "Rounds (alternating without / with).") var rounds = 20
    @Option(help: "The writers' record linger in microseconds (AuditWriter.Configuration.recordLinger; 0 wakes the writer for every event).")
    var lingerMicroseconds = 1000
    @Option(help: "Requests per second in each round (0: back to back).") var rate = 0

    func validate() throws {
        if !(100...1_000_000).contains(requests) { throw ValidationError("--requests: must be from 100 to 1000000") }
        if !(2...1000).contains(rounds) { throw ValidationError("--rounds: must be from 2 to 1000") }
        if !(0...1_000_000).contains(lingerMicroseconds) { throw ValidationError("--linger-microseconds: must be from 0 to 1000000") }
        if rate != 0 && !(100...1_000_000).contains(rate) { throw ValidationError("--rate: must be 0 (back to back) or from 100 to 1000000") }
    }

    func run() async throws {
        var logger = Logger(label: "audittrail.bench")
        logger.logLevel = .warning
        print(
            "AuditMiddleware overhead: \(rounds) rounds × \(requests) requests per router, alternating, "
                + (rate == 0 ? "back to back" : "\(rate) requests/s") + "; writer linger \(lingerMicroseconds) µs"
        )
        var writerConfiguration = AuditWriter.Configuration()
        writerConfiguration.recordLinger = .microseconds(lingerMicroseconds)

        let counting = CountingSink()
        let countingResult = try await measure(sink: counting, logger: logger)
        report("sink counting only", countingResult, recorded: counting.count, refused: countingResult.refused)

        // The writer's queue and wake-ups without a store's work: what the writer adds besides the
        // CPU its commits take from the request on two cores.
        let discarding = DiscardingAppender()
        let queueOnly = AuditWriter(store: discarding, configuration: writerConfiguration, logger: logger)
        let queueResult = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await queueOnly.run() }
            defer { group.cancelAll() }
            return try await measure(sink: AuditWriterSink(writer: queueOnly), logger: logger)
        }
        report("AuditWriterSink over a store that keeps nothing", queueResult, recorded: discarding.count, refused: queueResult.refused)

        let directory = NSTemporaryDirectory() + "audittrail-bench-middleware-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteAuditStore.open(configuration: .init(directory: directory), logger: logger)
        let writer = AuditWriter(store: store, configuration: writerConfiguration, logger: logger)
        let writerResult = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            defer { group.cancelAll() }
            let result = try await measure(sink: AuditWriterSink(writer: writer), logger: logger)
            // Let the writer commit what was queued before it is stopped.
            for _ in 0..<1000 where try await store.head().seq < Int64(result.recorded) {
                try await Task.sleep(for: .milliseconds(10))
            }
            return result
        }
        let stored = try await store.head().seq
        try await store.close()
        report("AuditWriterSink over SQLite", writerResult, recorded: Int(stored), refused: writerResult.refused)
    }

    struct Result {
        var without: [Double]
        var with: [Double]
        var recorded: Int
        var refused: Int
    }

    /// Times every request of every round, alternating the plain and the audited router.
    func measure(sink: any AuditEventSink, logger: Logger) async throws -> Result {
        let plain = Self.router(middleware: nil)
        let middleware = AuditMiddleware<BenchContext>(sink: sink, logger: logger)
        let audited = Self.router(middleware: middleware)
        let source = BenchContext.Source(logger: logger)
        var head = HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/items/42?page=1")
        head.headerFields[.userAgent] = "audittrail-bench/1"
        var times: ([Double], [Double]) = ([], [])
        times.0.reserveCapacity(rounds * requests)
        times.1.reserveCapacity(rounds * requests)
        // One warm-up round each, not counted.
        for round in -2..<(rounds * 2) {
            let withMiddleware = round % 2 != 0
            let responder = withMiddleware ? audited : plain
            let roundStart = ContinuousClock.now
            for index in 0..<requests {
                let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
                if rate > 0 {
                    let due = roundStart + .nanoseconds(Int64(index) * 1_000_000_000 / Int64(rate))
                    while ContinuousClock.now < due {}
                }
                let start = ContinuousClock.now
                let response = try await responder.respond(to: request, context: BenchContext(source: source))
                let elapsed = ContinuousClock.now - start
                guard response.status == .created else { throw ValidationError("unexpected status \(response.status)") }
                guard round >= 0 else { continue }
                let micros = Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6
                if withMiddleware { times.1.append(micros) } else { times.0.append(micros) }
            }
        }
        return Result(
            without: times.0,
            with: times.1,
            recorded: middleware.statistics.recorded,
            refused: middleware.statistics.refused
        )
    }

    static func router(middleware: AuditMiddleware<BenchContext>?) -> RouterResponder<BenchContext> {
        let router = Router(context: BenchContext.self)
        if let middleware { router.add(middleware: middleware) }
        router.post("/items/{id}") { _, _ in Response(status: .created) }
        return router.buildResponder()
    }

    func report(_ name: String, _ result: Result, recorded: Int, refused: Int) {
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
        }
        let (m0, m1) = (percentile(result.without, 0.5), percentile(result.with, 0.5))
        let (p0, p1) = (percentile(result.without, 0.99), percentile(result.with, 0.99))
        func f(_ value: Double) -> String { String(format: "%.2f", value) }
        print("\n\(name) (\(result.with.count) timed requests each; events recorded \(recorded) incl. warm-up, refused \(refused)):")
        print("  without middleware: median \(f(m0)) µs, p99 \(f(p0)) µs")
        print("  with middleware:    median \(f(m1)) µs, p99 \(f(p1)) µs")
        print("  added: median \(f(m1 - m0)) µs, p99 \(f(p1 - p0)) µs; ratio (median) \(f(m1 / m0))×")
    }
}

/// The bench's request context: Hummingbird's core storage only, made without a channel.
struct BenchContext: RequestContext {
    struct Source: RequestContextSource {
        var logger: Logger
    }

    var coreContext: CoreRequestContextStorage
    init(source: Source) { coreContext = .init(source: source) }
}

/// A store that answers every append and keeps nothing.
final class DiscardingAppender: AuditStoreAppender {
    private let counter = Atomic<Int>(0)
    var count: Int { counter.load(ordering: .relaxed) }

    func append(_ events: [PreparedAuditEvent]) async throws -> [AuditAppendResult] {
        let first = counter.add(events.count, ordering: .relaxed).oldValue
        return events.enumerated().map { offset, prepared in
            AuditAppendResult(id: prepared.event.id, seq: Int64(first + offset + 1), hash: .zero, receivedAt: .now(), created: true)
        }
    }
}

/// A sink that counts and keeps nothing: the middleware's own cost.
final class CountingSink: AuditEventSink {
    private let counter = Atomic<Int>(0)
    var count: Int { counter.load(ordering: .relaxed) }
    func enqueue(_ input: AuditEventInput) throws(AuditTrailError) { counter.add(1, ordering: .relaxed) }
    func write(_ input: AuditEventInput) async throws { counter.add(1, ordering: .relaxed) }
}
