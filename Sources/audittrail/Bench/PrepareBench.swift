import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import AuditTrailServer
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// `audittrail bench prepare`: the per-event CPU cost of the ingest path before the writer
/// (JSON parsing, field checks, validation, redaction, canonical encoding), on one core.
struct PrepareBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Per-event cost of parsing, validating and encoding (one core, no store)."
    )

    @Option(help: "Events to prepare.") var events = 200_000

    func validate() throws {
        if !(1...10_000_000).contains(events) { throw ValidationError("--events: must be from 1 to 10000000") }
    }

    func run() async throws {
        var generator = BenchEventGenerator(seed: 7)
        let bodies = (0..<1000).map { _ in Array(generator.json().utf8) }
        let validator = AuditEventValidator()
        var checksum = 0
        let start = ContinuousClock.now
        for index in 0..<events {
            let prepared = try validator.prepare(json: bodies[index % bodies.count])
            checksum &+= prepared.parts.head.count
        }
        let elapsed = seconds(ContinuousClock.now - start)
        print(
            "prepare: \(events) events in \(String(format: "%.2f", elapsed)) s = \(String(format: "%.2f", elapsed / Double(events) * 1e6)) µs/event (\(Int(Double(events) / elapsed)) events/s on one core) [\(checksum % 10)]"
        )
    }
}
