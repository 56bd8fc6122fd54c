import AuditTrail
import AuditTrailSQLite
import AuditTrailTesting
import Logging
import ServiceLifecycle
import Testing

/// The retention service on a real store: bounded batches, only checkpointed events, the run
/// recorded as an event, off doing nothing, and its loop in a service group.
@Suite struct SQLiteRetentionServiceTests {
    let signer = try! AuditSigner.generate(name: "audittrail/test")
    static let day: Int64 = 86_400_000

    /// `count` events, then a checkpoint at `checkpointAt` (nil: none).
    func fill(_ store: SQLiteAuditStore, count: Int, checkpointAt: Int? = nil) async throws {
        let checkpointer = try AuditCheckpointer(store: store, signer: signer, origin: "audittrail/test", logger: .quiet)
        let first = checkpointAt ?? count
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: first)))
        if checkpointAt != nil { try await checkpointer.checkpoint() }
        if count > first { _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: count - first, seed: 2))) }
    }

    func retention(
        _ store: SQLiteAuditStore,
        _ writer: AuditWriter,
        batch: Int = 10,
        _ edit: (inout AuditRetention.Configuration) -> Void = { _ in }
    ) throws -> AuditRetention {
        var configuration = AuditRetention.Configuration()
        configuration.batchEvents = batch
        edit(&configuration)
        return try AuditRetention(store: store, writer: writer, validator: AuditEventValidator(), configuration: configuration, logger: .quiet)
    }

    /// Runs the writer around `body`, then stops it.
    func withWriter<T: Sendable>(_ store: SQLiteAuditStore, _ body: (AuditWriter) async throws -> T) async throws -> T {
        let writer = AuditWriter(store: store, logger: .quiet)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            let result = try await body(writer)
            group.cancelAll()
            try await group.waitForAll()
            return result
        }
    }

    @Test func aRunRemovesOldEventsInBoundedBatchesAndIsRecorded() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store, count: 30, checkpointAt: 25)
            try await store.setRetentionWindow(try AuditRetentionWindow(days: 1), replacing: true)
            let run = try await withWriter(store) { writer in
                try await retention(store, writer, batch: 10).runOnce(now: .now().adding(milliseconds: 2 * Self.day))
            }
            // Only what the checkpoint at 25 covers, in batches of at most 10.
            #expect(run.removed == 25)
            #expect(run.batches == 3)
            #expect(run.firstSeq == 26)
            #expect(try await store.retentionAnchor()?.seq == 25)
            let recordedSeq = try #require(run.recordedSeq)
            #expect(recordedSeq == 31)
            let recorded = try #require(try await store.rows(after: recordedSeq - 1, limit: 1).first).decoded()
            #expect(recorded.action == "audit.retention.run")
            #expect(recorded.category == "audit")
            #expect(recorded.actor?.type == "system")
            #expect(recorded.metadata?["removed"] == .int(25))
            #expect(recorded.metadata?["first_seq"] == .int(26))
            #expect(recorded.metadata?["window_days"] == .int(1))
            #expect(try await store.verifyLog(publicKey: signer.publicKey).ok)
        }
    }

    @Test func aBatchNeverHoldsMoreThanTheLimit() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store, count: 23, checkpointAt: 23)
            try await store.setRetentionWindow(try AuditRetentionWindow(days: 1), replacing: true)
            let run = try await withWriter(store) { writer in
                try await retention(store, writer, batch: 4).runOnce(now: .now().adding(milliseconds: 2 * Self.day))
            }
            // 22 removable (the newest stays): 4+4+4+4+4+2.
            #expect(run.removed == 22)
            #expect(run.batches == 6)
        }
    }

    @Test func eventsInsideTheWindowStayAndTheRunIsStillRecorded() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store, count: 10, checkpointAt: 10)
            let run = try await withWriter(store) { writer in try await retention(store, writer).runOnce() }
            #expect(run.window == .default)
            #expect(run.removed == 0)
            #expect(run.recordedSeq == 11, "a run that removed nothing is recorded too")
            let row = try #require(try await store.rows(after: 10, limit: 1).first)
            let recorded = try row.decoded()
            #expect(recorded.action == "audit.retention.run")
            #expect(recorded.metadata?["removed"] == .int(0))
            #expect(recorded.metadata?["removed_through_seq"] == .null)
            #expect(try await store.head().seq == 11)
            #expect(try await store.rows(after: 0, limit: 20).first?.seq == 1, "nothing was removed")
        }
    }

    @Test func offRemovesNothingAndRecordsNothing() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store, count: 10, checkpointAt: 10)
            try await store.setRetentionWindow(.off, replacing: true)
            let run = try await withWriter(store) { writer in
                try await retention(store, writer).runOnce(now: .now().adding(milliseconds: 1000 * Self.day))
            }
            #expect(run.window.isOff)
            #expect(run.removed == 0)
            #expect(try await store.retentionAnchor() == nil)
            #expect(try await store.head().seq == 10)
        }
    }

    @Test func withoutACheckpointNothingIsRemoved() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store, count: 10)
            let run = try await withWriter(store) { writer in
                try await retention(store, writer).runOnce(now: .now().adding(milliseconds: 1000 * Self.day))
            }
            #expect(run.removed == 0)
            #expect(try await store.retentionAnchor() == nil)
        }
    }

    @Test func theServiceStoresItsInitialWindowAndRunsEveryInterval() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store, count: 12, checkpointAt: 12)
            let writer = AuditWriter(store: store, logger: .quiet)
            let service = try retention(store, writer) { configuration in
                configuration.interval = .milliseconds(20)
                configuration.initialWindow = try! AuditRetentionWindow(days: 3)
                configuration.now = { AuditTime.now().adding(milliseconds: 4 * 86_400_000) }
            }
            var configuration = ServiceGroupConfiguration(services: [writer, service], logger: .quiet)
            configuration.gracefulShutdownSignals = []
            let group = ServiceGroup(configuration: configuration)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                // Until the run's event is committed (the run removes 1…11 in two batches first).
                var recorded = false
                for _ in 0..<500 where !recorded {
                    try await Task.sleep(for: .milliseconds(10))
                    recorded = try await store.rows(after: 12, limit: 1).first?.decoded().action == "audit.retention.run"
                }
                #expect(recorded)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(try await store.retentionWindow()?.days == 3)
            // The first run removed 1…11 (the newest stayed); a later one may have removed 12 once
            // the first run's event was appended after it.
            let anchor = try #require(try await store.retentionAnchor())
            #expect(anchor.seq == 11 || anchor.seq == 12)
            #expect(try await store.rows(after: 0, limit: 10).first?.seq == anchor.seq + 1)
            #expect(try await store.verifyChain().ok)
        }
    }

    @Test func theWindowIsValidated() throws {
        for bad in ["-1", "36501", "1.5", "", "ninety", "+3"] {
            #expect(throws: AuditTrailError.self, "\(bad)") { try AuditRetentionWindow(parsing: bad) }
        }
        #expect(try AuditRetentionWindow(parsing: "off") == .off)
        #expect(try AuditRetentionWindow(parsing: "OFF") == .off)
        #expect(try AuditRetentionWindow(parsing: "0") == .off)
        #expect(try AuditRetentionWindow(parsing: "36500").days == 36_500)
        #expect(try AuditRetentionWindow(days: nil) == .off)
        do {
            _ = try AuditRetentionWindow(days: 40_000)
            Issue.record("40000 days was accepted")
        } catch {
            #expect(error.fieldErrors.map(\.field) == ["days"])
        }
    }
}
