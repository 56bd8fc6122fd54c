import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import Foundation
import Logging

/// `audittrail bench logger`: the in-process ``AuditLogger`` (one `record` per event, as app code
/// calls it) against the writer's own batch appends, side by side on fresh SQLite stores.
struct LoggerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logger",
        abstract: "Events/s through AuditLogger.record (one call per event) against the writer's own 10,000-event appends.",
        discussion: """
            Each run opens a new SQLite store in a temporary directory and writes --events events from \
            --producers tasks, with a signed checkpoint every 1,000 events as the server does. The reference \
            run validates and appends in batches of 10,000 (what `bench ingest` measures); the logger run \
            calls AuditLogger.record once per event on an AuditWriterSink over the same writer (validation, \
            redaction and an enqueue per call; group commit behind). Runs alternate, --runs of each; the \
            median ratio logger / writer is printed (target ≥ 0.8).
            """
    )

    @Option(help: "Events per run.") var events = 200_000
    @Option(help: "Runs of each kind (alternating).") var runs = 5
    @Option(help: "Concurrent producer tasks.") var producers = 2

    func validate() throws {
        if !(1_000...10_000_000).contains(events) { throw ValidationError("--events: must be from 1000 to 10000000") }
        if !(1...50).contains(runs) { throw ValidationError("--runs: must be from 1 to 50") }
        if !(1...64).contains(producers) { throw ValidationError("--producers: must be from 1 to 64") }
    }

    func run() async throws {
        var logger = Logger(label: "audittrail.bench")
        logger.logLevel = .warning
        let root = NSTemporaryDirectory() + "audittrail-bench-logger-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        print("AuditLogger.record vs the writer's batch appends: \(events) events, \(producers) producers, \(runs) runs each")
        var ratios: [Double] = []
        for run in 1...runs {
            var rates: [Bool: Double] = [:]
            // Alternate which goes first, so a drift in machine speed does not favour one.
            for throughLogger in run % 2 == 1 ? [false, true] : [true, false] {
                let directory = root + "/\(run)-\(throughLogger ? "logger" : "writer")"
                let store = try await SQLiteAuditStore.open(configuration: .init(directory: directory), logger: logger)
                let elapsed = try await benchIngest(
                    into: store,
                    directory: directory,
                    events: events,
                    batch: 10_000,
                    producers: producers,
                    checkpointEvents: 1000,
                    throughLogger: throughLogger,
                    reportProgress: false,
                    logger: logger
                )
                rates[throughLogger] = Double(events) / elapsed
                try? FileManager.default.removeItem(atPath: directory)
            }
            let writer = rates[false] ?? 0
            let viaLogger = rates[true] ?? 0
            ratios.append(viaLogger / writer)
            print("  run \(run): writer \(Int(writer)) events/s, logger \(Int(viaLogger)) events/s, ratio \(format(viaLogger / writer))")
        }
        let sorted = ratios.sorted()
        print(
            "Median ratio logger / writer: \(format(sorted[sorted.count / 2])) (range \(format(sorted[0]))–\(format(sorted[sorted.count - 1])); target ≥ 0.80)"
        )
    }

    private func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
