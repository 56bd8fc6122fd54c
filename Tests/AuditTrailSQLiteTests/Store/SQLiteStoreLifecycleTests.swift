import AuditTrail
import AuditTrailTesting
import Foundation
import InMemoryLogging
import Logging
import SQLiteNIO
import ServiceLifecycle
import Testing

@testable import AuditTrailSQLite

/// Opening, reopening, sharing a directory between stores, and the maintenance service.
@Suite struct SQLiteStoreLifecycleTests {
    @Test func reopeningContinuesTheChain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try await directory.open()
        let before = try await first.append(AuditFixtures.prepare(AuditFixtures.events(count: 30, seed: 1)))
        try await first.close()

        let second = try await directory.open()
        #expect(try await second.head() == AuditChainHead(seq: 30, hash: before[29].hash))
        let after = try await second.append(AuditFixtures.prepare(AuditFixtures.events(count: 5, seed: 2)))
        #expect(after.map(\.seq) == Array(31...35))
        #expect(after[0].receivedAt >= before[29].receivedAt)
        let verification = try await second.verifyChain()
        #expect(verification.ok)
        #expect(verification.checked == 35)
        try await second.close()
    }

    @Test func aNewStoreSaysSoInOneLineAndAReopenedOneSaysNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "test") { _ in handler }
        logger.logLevel = .info
        try await directory.open(logger: logger).close()
        let created = handler.entries.filter { $0.message.description.hasPrefix("audit store") }
        #expect(created.map(\.message.description) == ["audit store created"], "\(handler.entries)")
        #expect(created.first?.metadata["audit.schema.version"] == "\(SQLiteSchema.currentVersion)")
        handler.clear()
        try await directory.open(logger: logger).close()
        #expect(handler.entries.filter { $0.message.description.hasPrefix("audit store") }.isEmpty, "\(handler.entries)")
    }

    @Test func schemaVersionIsRecordedOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await directory.open().close()
        try await directory.open().close()
        let raw = try await directory.rawConnection()
        let rows = try await raw.query("SELECT version FROM schema_version")
        #expect(rows.map { $0.column("version")?.integer } == [SQLiteSchema.currentVersion])
        let mode = try await raw.query("PRAGMA journal_mode")
        #expect(mode.first?.column("journal_mode")?.string == "wal")
        try await raw.close()
    }

    @Test func twoStoresOnOneDirectoryBothWriteKeys() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await directory.open()
        let cli = try await directory.open()
        let (serverKey, serverSecret) = try AuditAPIKey.generate(name: "server", role: .admin)
        let (cliKey, cliSecret) = try AuditAPIKey.generate(name: "cli", role: .auditor)
        async let appended = server.append(AuditFixtures.prepare(AuditFixtures.events(count: 2000, seed: 4)))
        try await cli.insertKey(cliKey, secretHash: AuditAPIKey.hash(secret: cliSecret))
        try await server.insertKey(serverKey, secretHash: AuditAPIKey.hash(secret: serverSecret))
        #expect(try await appended.count == 2000)
        #expect(try await server.key(secretHash: AuditAPIKey.hash(secret: cliSecret)) == cliKey)
        #expect(try await cli.key(secretHash: AuditAPIKey.hash(secret: serverSecret)) == serverKey)
        #expect(try await cli.revokeKey(id: serverKey.id, at: .now()))
        #expect(try await server.key(secretHash: AuditAPIKey.hash(secret: serverSecret)) == nil)
        #expect(try await cli.head().seq == 2000)
        try await cli.close()
        try await server.close()
    }

    @Test func closedStoreRefusesWork() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open()
        try await store.close()
        try await store.close()
        await #expect(throws: AuditTrailError.self) {
            _ = try await store.append(AuditFixtures.prepare([AuditEventInput(action: "user.login")]))
        }
        await #expect(throws: AuditTrailError.self) { _ = try await store.head() }
    }

    @Test func maintenanceServiceStopsOnGracefulShutdown() async throws {
        try await withTemporaryStore { store, _ in
            var configuration = ServiceGroupConfiguration(services: [store], logger: Logger(label: "test"))
            configuration.gracefulShutdownSignals = []
            let group = ServiceGroup(configuration: configuration)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 100, seed: 8)))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(try await store.head().seq == 100)
            #expect(try await store.verifyChain().ok)
        }
    }

    /// A service group that stops on an error cancels its services: closing from a cancelled task
    /// must still close every connection (an open SQLiteNIO connection trips its deinit assertion
    /// in debug builds when the store is released).
    @Test func closingFromACancelledTaskClosesEveryConnection() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var store: SQLiteAuditStore? = try await directory.open()
        _ = try await store?.append(AuditFixtures.prepare(AuditFixtures.events(count: 10, seed: 21)))
        let closing = try #require(store)
        await withTaskGroup(of: Void.self) { group in
            group.cancelAll()
            group.addTask {
                #expect(Task.isCancelled)
                try? await closing.close()
            }
        }
        store = nil
        let reopened = try await directory.open()
        #expect(try await reopened.head().seq == 10)
        #expect(try await reopened.verifyChain().ok)
        try await reopened.close()
    }

    @Test func theIndexFilesWALIsCheckpointedAndStartedOver() async throws {
        // The soak found audit-index.sqlite at 16 KiB beside a 140 MiB WAL: nothing but the
        // writer's 1 GiB auto-checkpoint ever checkpointed it. Maintenance now does.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open {
            $0.walResetFrames = 20
            $0.indexChunkShift = 4
        }
        // 40 rounds of appends and indexing (what run() does), each complete chunk one index
        // transaction rewriting the newest pages: many frames.
        for round in 0..<40 {
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 50, seed: UInt64(100 + round))))
            _ = try await store.indexSnapshot()
        }
        let indexFile = directory.path + "/audit-index.sqlite"
        func size(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0 }
        let first = try await store.checkpointIndexWAL()
        #expect(first.frames >= 20, "40 index transactions write more than 20 frames: \(first)")
        #expect(first.reset)
        #expect(size(indexFile) > 64 * 1024, "the checkpoint copied the chunks into the file")
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 16, seed: 32)))
        _ = try await store.indexSnapshot()
        let next = try await store.checkpointIndexWAL()
        #expect(next.frames < 20, "the chunk after a reset is written from the start of the WAL: \(next)")
        #expect(try await store.verifyDerivedData().ok)
        try await store.close()
    }

    @Test func aWALThatOutgrewItsResetSizeBehindAReaderIsCutBackAfterTheReset() async throws {
        // The soak saw the WAL stay at its 561 MiB high-water mark for a 256 MiB reset size: a
        // reader held the reset off while appends went on, and a reset keeps the file's size.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open {
            $0.walResetFrames = 40
            $0.pageSize = 4096
        }
        let walPath = directory.configuration.databasePath + "-wal"
        func size() -> Int { ((try? FileManager.default.attributesOfItem(atPath: walPath))?[.size] as? Int) ?? 0 }
        // A reader's snapshot pins the WAL: nothing after it can be reset.
        let reader = try await directory.rawConnection()
        _ = try await reader.query("BEGIN")
        _ = try await reader.query("SELECT count(*) FROM events")
        for round in 0..<20 {
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 100, seed: UInt64(300 + round))))
            #expect(try await !store.checkpointWAL().reset, "no reset past a reader's snapshot")
        }
        let grown = size()
        #expect(grown > 4 * 40 * 4096, "2,000 events behind a reader: \(grown) bytes of WAL")
        _ = try await reader.query("COMMIT")
        try await reader.close()
        #expect(try await store.checkpointWAL().reset)
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 1, seed: 320)))
        #expect(size() <= 40 * 4096, "the first commit after the reset cuts the WAL back: \(size()) bytes, was \(grown)")
        #expect(try await store.head().seq == 2001)
        #expect(try await store.verifyChain().ok)
        try await store.close()
    }

    @Test func walResetStartsTheLogOverAndKeepsEveryEvent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open { $0.walResetFrames = 40 }
        let small = try await store.checkpointWAL()
        #expect(!small.reset, "a WAL under the threshold is only checkpointed")
        // Concurrent appends while the reset pauses them: none may be lost or reordered.
        async let appended = store.append(AuditFixtures.prepare(AuditFixtures.events(count: 3000, seed: 11)))
        var resets = 0
        for _ in 0..<20 where try await store.checkpointWAL().reset { resets += 1 }
        #expect(try await appended.count == 3000)
        let after = try await store.checkpointWAL()
        if after.reset { resets += 1 }
        #expect(resets >= 1, "3,000 events write far more than 40 frames")
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 1, seed: 12)))
        let restarted = try await store.checkpointWAL()
        #expect(restarted.frames < 40, "the append after a reset writes from the start of the WAL")
        #expect(try await store.head().seq == 3001)
        #expect(try await store.verifyChain().ok)
        try await store.close()
    }
}
