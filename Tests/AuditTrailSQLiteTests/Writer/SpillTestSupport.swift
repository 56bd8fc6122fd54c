import AuditTrail
import AuditTrailSQLite
import AuditTrailTesting
import Foundation
import Logging
import Synchronization

/// Helpers of the spill tests.
enum SpillTests {
    static let logger = Logger(label: "audittrail.tests.spill", factory: { _ in SwiftLogNoOpLogHandler() })

    static func event(producer: Int, index: Int) -> PreparedAuditEvent {
        try! AuditEventValidator().prepare(
            AuditEventInput(action: "data.read", actor: .init(id: "p-\(producer)"), metadata: ["i": .int(Int64(index))])
        )
    }

    static func writer(_ store: AuditSwitchableAppender, fallback: String, batch: Int = 500) -> AuditWriter {
        var configuration = AuditWriter.Configuration()
        configuration.commitRetries = 1
        var settings = AuditWriter.Configuration.Fallback(directory: fallback)
        settings.replayBatchEvents = batch
        settings.retryInterval = .milliseconds(10)
        settings.maximumRetryInterval = .milliseconds(100)
        configuration.fallback = settings
        return AuditWriter(store: store, configuration: configuration, logger: logger)
    }

    /// Whether the fallback holds nothing to replay: no day file and no replay position.
    static func fallbackIsEmpty(_ directory: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return !names.contains { $0.hasPrefix("events-") || $0 == "replay.position" }
    }

    /// Every stored event as (producer, index) in seq order; fails the test on a duplicate.
    static func storedEvents(_ store: SQLiteAuditStore) async throws -> [(producer: String, index: Int64)] {
        var out: [(producer: String, index: Int64)] = []
        var after: Int64 = 0
        while true {
            let rows = try await store.rows(after: after, limit: 5000)
            guard let last = rows.last else { return out }
            for row in rows {
                let event = try row.decoded()
                guard let actor = event.actor?.id, case .object(let metadata)? = event.metadata, let index = metadata["i"]?.int64Value else {
                    continue
                }
                out.append((actor, index))
            }
            after = last.seq
        }
    }

    /// Waits until `condition` holds, for at most `seconds`.
    static func waitUntil(seconds: Double = 30, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }
}

/// A counter shared by the tasks of a test.
final class SharedCounter: Sendable {
    private let value = Mutex(0)
    func add(_ amount: Int = 1) { value.withLock { $0 += amount } }
    var current: Int { value.withLock { $0 } }
}
