import AuditTrail
import AuditTrailSQLite
import AuditTrailTesting
import InMemoryLogging
import Logging
import ServiceLifecycle
import Testing

/// The checkpointer on a real store: signs when due, never a tree it did not grow from, and once
/// more on graceful shutdown.
@Suite struct SQLiteCheckpointerTests {
    let signer = try! AuditSigner.generate(name: "audittrail/test")

    func checkpointer(
        _ store: SQLiteAuditStore,
        events: Int64 = 1_000_000,
        interval: Duration = .seconds(3600),
        logger: Logger = .quiet
    ) throws -> AuditCheckpointer {
        var configuration = AuditCheckpointer.Configuration()
        configuration.events = events
        configuration.interval = interval
        configuration.tick = .milliseconds(10)
        return try AuditCheckpointer(store: store, signer: signer, origin: "audittrail/test", configuration: configuration, logger: logger)
    }

    /// Runs `checkpointer` in a service group around `body`, then shuts it down gracefully.
    func running(_ checkpointer: AuditCheckpointer, _ body: () async throws -> Void) async throws {
        var configuration = ServiceGroupConfiguration(services: [checkpointer], logger: .quiet)
        configuration.gracefulShutdownSignals = []
        let group = ServiceGroup(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func waitForCheckpoint(_ store: SQLiteAuditStore, size: Int64) async throws -> Bool {
        for _ in 0..<300 {
            if try await store.latestCheckpoint()?.treeSize == size { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test func aCheckpointIsASignedNoteOfTheStoredRoot() async throws {
        try await withTemporaryStore { store, _ in
            let checkpointer = try checkpointer(store)
            let none = try await checkpointer.checkpoint()
            #expect(none == nil, "an empty log has nothing to sign")
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 9, seed: 1)))
            let made = try #require(try await checkpointer.checkpoint())
            #expect(made.treeSize == 9)
            #expect(made.rootHash == (try await store.root(size: 9)))
            let parsed = try AuditCheckpoint(note: made.note, verifier: signer.publicKey)
            #expect(parsed.origin == "audittrail/test")
            #expect(parsed.size == 9 && parsed.rootHash == made.rootHash && parsed.time == made.time)
            #expect(try await store.latestCheckpoint() == made)
            let again = try await checkpointer.checkpoint()
            #expect(again == nil, "the tree did not grow")
        }
    }

    @Test func signsEveryNEventsWhenTheWriterReportsCommits() async throws {
        try await withTemporaryStore { store, _ in
            let checkpointer = try checkpointer(store, events: 5)
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 4, seed: 1)))
            try await running(checkpointer) {
                #expect(try await waitForCheckpoint(store, size: 4), "the tree at start is signed at once")
                _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 3, seed: 2)))
                checkpointer.committed(upTo: 7)
                try await Task.sleep(for: .milliseconds(100))
                let early = try await store.latestCheckpoint()
                #expect(early?.treeSize == 4, "3 events are fewer than 5")
                _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 2, seed: 3)))
                checkpointer.committed(upTo: 9)
                #expect(try await waitForCheckpoint(store, size: 9))
            }
        }
    }

    @Test func signsEveryTSecondsWhileTheLogGrows() async throws {
        try await withTemporaryStore { store, _ in
            let checkpointer = try checkpointer(store, interval: .milliseconds(50))
            try await running(checkpointer) {
                _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 3, seed: 1)))
                #expect(try await waitForCheckpoint(store, size: 3))
                _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 2, seed: 2)))
                #expect(try await waitForCheckpoint(store, size: 5))
            }
            #expect(try await store.checkpoints(after: 0, limit: 10).map(\.treeSize) == [3, 5])
        }
    }

    @Test func signsTheFinalTreeOnGracefulShutdownAndSaysItsSize() async throws {
        try await withTemporaryStore { store, _ in
            let handler = InMemoryLogHandler()
            let checkpointer = try checkpointer(store, logger: Logger(label: "test") { _ in handler })
            try await running(checkpointer) {
                _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 2, seed: 1)))
            }
            #expect(try await store.latestCheckpoint()?.treeSize == 2)
            let final = handler.entries.filter { $0.level == .notice }
            // Signed at shutdown, or — when the service started after the appends — already at its start.
            #expect(final.count == 1 && final[0].message.description.hasPrefix("audit final checkpoint"), "\(final)")
            #expect(final.first?.metadata["audit.checkpoint.size"] == "2")
        }
    }

    @Test func refusesToSignATreeThatDoesNotExtendTheLastCheckpoint() async throws {
        try await withTemporaryStore { store, _ in
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 5, seed: 1)))
            // A checkpoint of another tree of 5 events: the stored tree does not extend it.
            var other = AuditMerkleMemoryTree()
            for index in 0..<5 { other.append(leaf: [UInt8(index)]) }
            #expect(try await store.storeCheckpoint(.init(treeSize: 5, rootHash: other.root, time: .now(), note: "forged\n")))
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 2, seed: 2)))
            let error = await #expect(throws: AuditTrailError.self) { try await checkpointer(store).checkpoint() }
            #expect(error?.code == .tampered)
            #expect(try await store.latestCheckpoint()?.treeSize == 5)
        }
    }

    @Test func rejectsAnInvalidConfiguration() async throws {
        try await withTemporaryStore { store, _ in
            var configuration = AuditCheckpointer.Configuration()
            configuration.events = 0
            let events = #expect(throws: AuditTrailError.self) {
                _ = try AuditCheckpointer(store: store, signer: signer, origin: "o", configuration: configuration, logger: .quiet)
            }
            #expect(events?.fieldErrors.first?.field == "checkpoint_events")
            let origin = #expect(throws: AuditTrailError.self) {
                _ = try AuditCheckpointer(store: store, signer: signer, origin: "two\nlines", logger: .quiet)
            }
            #expect(origin?.fieldErrors.first?.field == "origin")
        }
    }
}
