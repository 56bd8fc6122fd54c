import AuditTrail
import AuditTrailSQLite
import Foundation
import Logging
import Synchronization

/// A real ``SQLiteAuditStore`` whose appends the test switches off ("down": every append throws
/// before reaching SQLite) and on again, or slows down. With ``loseNextAnswer`` the next append
/// commits to SQLite and then throws, as a commit whose acknowledgement was lost.
final class SwitchableStore: AuditStoreAppender {
    let store: SQLiteAuditStore
    private let down = Mutex(false)
    private let lostAnswer = Mutex(false)
    private let delay = Mutex(Duration.zero)
    /// Appends refused while down.
    let refused = Mutex(0)

    init(_ store: SQLiteAuditStore) { self.store = store }

    func setDown(_ value: Bool) { down.withLock { $0 = value } }
    func loseNextAnswer() { lostAnswer.withLock { $0 = true } }
    func setDelay(_ value: Duration) { delay.withLock { $0 = value } }

    func append(_ events: [PreparedAuditEvent]) async throws -> [AuditAppendResult] {
        let wait = delay.withLock { $0 }
        if wait > .zero { try await Task.sleep(for: wait) }
        if down.withLock({ $0 }) {
            refused.withLock { $0 += 1 }
            throw AuditTrailError(.storeFailure, "the store is down (test switch)")
        }
        let results = try await store.append(events)
        if lostAnswer.withLock({ value in
            defer { value = false }
            return value
        }) {
            throw AuditTrailError(.storeFailure, "the commit landed but its answer was lost (test switch)")
        }
        return results
    }
}

/// Helpers of the spill tests.
enum SpillTests {
    static let logger = Logger(label: "audittrail.tests.spill", factory: { _ in SwiftLogNoOpLogHandler() })

    static func event(producer: Int, index: Int) -> PreparedAuditEvent {
        try! AuditEventValidator().prepare(
            AuditEventInput(action: "data.read", actor: .init(id: "p-\(producer)"), metadata: ["i": .int(Int64(index))])
        )
    }

    static func writer(_ store: SwitchableStore, fallback: String, batch: Int = 500) -> AuditWriter {
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
