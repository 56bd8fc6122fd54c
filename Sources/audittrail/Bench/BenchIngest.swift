import ArgumentParser
import AuditTrail
import AuditTrailPostgres
import AuditTrailSQLite
import AuditTrailServer
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// Appends `events` generated events through an ``AuditWriter`` (and, with `checkpointEvents`, an
/// ``AuditCheckpointer`` signing with `signing.key` in `directory`, made as the server makes it, so
/// that `audittrail verify --data-dir` and `serve` work on the benchmark's log) from `producers`
/// tasks, printing the rate of every 100,000; returns the seconds taken until the last commit.
func benchIngest(
    into store: some AuditStore & AuditCheckpointStore & Service,
    directory: String,
    events: Int,
    batch: Int,
    producers: Int,
    checkpointEvents: Int,
    smallEvents: Bool = false,
    throughLogger: Bool = false,
    reportProgress: Bool = true,
    logger: Logger
) async throws -> Double {
    let progress = Mutex((committed: 0, windowStart: ContinuousClock.now, windowCount: 0))
    let windowSize = 100_000
    let quiet = Logger(label: "audittrail.bench.refused", factory: { _ in SwiftLogNoOpLogHandler() })
    var observers: [AuditWriter.Observer] = [
        { commit in
            let line: String? = progress.withLock { state in
                state.committed += commit.count
                state.windowCount += commit.count
                guard state.windowCount >= windowSize else { return nil }
                let now = ContinuousClock.now
                let rate = Double(state.windowCount) / seconds(now - state.windowStart)
                let text = "  \(state.committed) events: \(Int(rate)) events/s over the last \(state.windowCount)"
                state.windowStart = now
                state.windowCount = 0
                return text
            }
            if let line, reportProgress { print(line) }
        }
    ]
    var services: [any Service] = [store]
    if checkpointEvents > 0 {
        var configuration = AuditCheckpointer.Configuration()
        configuration.events = Int64(checkpointEvents)
        let origin = "audittrail/" + (try await store.logID())
        let signer = try AuditSigner.loadOrCreate(at: directory + "/" + AuditServerConfiguration.signingKeyFileName, name: origin)
        let checkpointer = try AuditCheckpointer(
            store: store,
            signer: signer,
            origin: origin,
            configuration: configuration,
            logger: logger
        )
        observers.append(checkpointer.writerObserver)
        services.append(checkpointer)
    }
    let writer = AuditWriter(store: store, logger: logger, observers: observers)
    services.append(writer)
    let group = ServiceGroup(configuration: .init(services: services, logger: logger))
    let start = ContinuousClock.now
    var elapsed = 0.0
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        try await withThrowingTaskGroup(of: Void.self) { producersGroup in
            let perProducer = events / producers
            for producer in 0..<producers {
                let count = producer == producers - 1 ? events - perProducer * (producers - 1) : perProducer
                producersGroup.addTask {
                    var generator = BenchEventGenerator(seed: UInt64(producer + 1))
                    let validator = AuditEventValidator()
                    if throughLogger {
                        // One `record` per event, as an app's code calls it; a full queue is waited out.
                        let audit = AuditLogger(sink: AuditWriterSink(writer: writer, validator: validator), logger: quiet)
                        for _ in 0..<count {
                            let input = smallEvents ? generator.smallInput() : generator.input()
                            while !audit.record(input) { try await Task.sleep(for: .microseconds(200)) }
                        }
                        return
                    }
                    var remaining = count
                    while remaining > 0 {
                        let n = min(batch, remaining)
                        var prepared: [PreparedAuditEvent] = []
                        prepared.reserveCapacity(n)
                        for _ in 0..<n { prepared.append(try validator.prepare(smallEvents ? generator.smallInput() : generator.input())) }
                        _ = try await writer.append(contentsOf: prepared)
                        remaining -= n
                    }
                }
            }
            try await producersGroup.waitForAll()
        }
        // `record` returns before the commit: wait for the last one.
        while progress.withLock({ $0.committed }) < events { try await Task.sleep(for: .milliseconds(1)) }
        elapsed = seconds(ContinuousClock.now - start)
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
    return elapsed
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The median of `values` (the mean of the middle two for an even count; 0 for none): how the
/// benches summarise repeated runs.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
