import AuditTrail
import AuditTrailSQLite
import AuditTrailTesting
import Synchronization
import Testing

/// The store-agnostic contract, run on SQLite: each check gets a new database in a new directory.
@Suite struct SQLiteStoreConformanceTests {
    /// Opens stores in fresh directories and removes each directory when its store closes.
    final class Stores: Sendable {
        let directories = Mutex<[ObjectIdentifier: TemporaryDirectory]>([:])
        let edit: @Sendable (inout SQLiteAuditStore.Configuration) -> Void

        init(_ edit: @escaping @Sendable (inout SQLiteAuditStore.Configuration) -> Void = { _ in }) { self.edit = edit }

        func make() async throws -> SQLiteAuditStore {
            let directory = try TemporaryDirectory()
            let store = try await directory.open { edit(&$0) }
            directories.withLock { $0[ObjectIdentifier(store)] = directory }
            return store
        }

        func close(_ store: SQLiteAuditStore) async throws {
            try await store.close()
            directories.withLock { $0.removeValue(forKey: ObjectIdentifier(store)) }?.remove()
        }
    }

    /// Nothing merged: every indexed filter is answered from the unindexed tail.
    @Test(arguments: AuditStoreConformanceCheck.allCases)
    func sqliteStoreConforms(_ check: AuditStoreConformanceCheck) async throws {
        let stores = Stores()
        try await AuditStoreConformance(makeStore: stores.make, closeStore: stores.close).run(check)
    }

    /// Index chunks of 16 seqs, written by `run()` every few milliseconds while the check appends
    /// and queries, so answers mix written chunks and the in-memory one at every boundary.
    @Test(arguments: AuditStoreConformanceCheck.allCases)
    func sqliteStoreConformsWhileIndexMerges(_ check: AuditStoreConformanceCheck) async throws {
        let stores = Stores {
            $0.indexChunkShift = 4
            $0.maintenanceIntervalMilliseconds = 10
        }
        let running = Mutex<[ObjectIdentifier: Task<Void, any Error>]>([:])
        let merging = AuditStoreConformance<SQLiteAuditStore>(
            makeStore: {
                let store = try await stores.make()
                running.withLock { $0[ObjectIdentifier(store)] = Task { try await store.run() } }
                return store
            },
            closeStore: { store in
                if let task = running.withLock({ $0.removeValue(forKey: ObjectIdentifier(store)) }) {
                    task.cancel()
                    _ = await task.result
                }
                try await stores.close(store)
            }
        )
        try await merging.run(check)
    }
}

@Suite struct SQLiteCheckpointStoreConformanceTests {
    @Test(arguments: AuditCheckpointStoreConformanceCheck.allCases)
    func sqliteStoreKeepsAProvableLog(_ check: AuditCheckpointStoreConformanceCheck) async throws {
        let stores = SQLiteStoreConformanceTests.Stores()
        try await AuditCheckpointStoreConformance(makeStore: stores.make, closeStore: stores.close).run(check)
    }
}

@Suite struct SQLiteRetentionStoreConformanceTests {
    @Test(arguments: AuditRetentionStoreConformanceCheck.allCases)
    func sqliteStoreRemovesKeepingTheProof(_ check: AuditRetentionStoreConformanceCheck) async throws {
        let stores = SQLiteStoreConformanceTests.Stores()
        try await AuditRetentionStoreConformance(makeStore: stores.make, closeStore: stores.close).run(check)
    }
}

@Suite struct SQLiteDerivedDataStoreConformanceTests {
    @Test(arguments: AuditDerivedDataStoreConformanceCheck.allCases)
    func sqliteStoreVerifiesItsDerivedData(_ check: AuditDerivedDataStoreConformanceCheck) async throws {
        let stores = SQLiteStoreConformanceTests.Stores()
        try await AuditDerivedDataStoreConformance(makeStore: stores.make, closeStore: stores.close).run(check)
    }

    /// Index chunks of 16 seqs: the check compares dozens of stored chunks and spans.
    @Test(arguments: AuditDerivedDataStoreConformanceCheck.allCases)
    func sqliteStoreVerifiesItsDerivedDataWithSmallChunks(_ check: AuditDerivedDataStoreConformanceCheck) async throws {
        let stores = SQLiteStoreConformanceTests.Stores { $0.indexChunkShift = 4 }
        try await AuditDerivedDataStoreConformance(makeStore: stores.make, closeStore: stores.close).run(check)
    }
}

/// The index's lag bound (``AuditIndexTail/lagLimit``): appends wait for the index past it, and
/// the upkeep catches up as soon as a quarter of it waits, not only at its next round.
@Suite struct SQLiteIndexLagTests {
    @Test(arguments: [4, 16])
    func appendsWaitForTheIndexPastTheLagLimit(shift: Int) async throws {
        let stores = SQLiteStoreConformanceTests.Stores {
            $0.indexLagLimit = 50
            $0.indexChunkShift = shift
        }
        try await AuditIndexLagConformance(makeStore: stores.make, closeStore: stores.close).run()
    }

    /// Searches running all the time while events are appended: none is read back.
    @Test func appendedRowsAreNeverReadBackBySearches() async throws {
        let stores = SQLiteStoreConformanceTests.Stores()
        try await AuditIndexLagConformance(makeStore: stores.make, closeStore: stores.close).runReadBack()
    }

    /// An upkeep that takes nothing for an hour (as one building a whole index file after a
    /// start would): the first append past the limit waits for it `upkeepWait`, the next ones
    /// not at all, and nothing is lost.
    @Test func appendsDoNotStallBehindABusyUpkeep() async throws {
        let stores = SQLiteStoreConformanceTests.Stores { $0.indexLagLimit = 50 }
        let store = try await stores.make()
        let upkeep = Task { await store.indexTail.rounds(every: .seconds(3600)) { try? await Task.sleep(for: .seconds(3600)) } }
        while !store.indexTail.upkeepRuns { try await Task.sleep(for: .milliseconds(5)) }
        let validator = AuditEventValidator()
        func append(_ count: Int, from start: Int) async throws -> Duration {
            let events = try AuditFixtures.prepare(AuditFixtures.events(count: count, seed: UInt64(start), start: start), validator: validator)
            let began = ContinuousClock.now
            _ = try await store.append(events)
            return ContinuousClock.now - began
        }
        _ = try await append(60, from: 0)
        let first = try await append(10, from: 60)
        #expect(first >= AuditIndexTail.upkeepWait - .milliseconds(100), "the first append past the limit waited \(first)")
        var next = Duration.zero
        for round in 0..<3 { next += try await append(10, from: 70 + round * 10) }
        #expect(next < .seconds(2), "three more appends took \(next)")
        // 100: twice the limit, the most kept (``AuditIndexTail/pendingLimit``).
        #expect(store.indexTail.waiting == 100)
        upkeep.cancel()
        _ = await upkeep.value
        var query = AuditQuery()
        query.limit = 1000
        #expect(try await store.events(matching: query).events.count == 100)
        try await stores.close(store)
    }

    @Test func theUpkeepCatchesUpWhenAQuarterOfTheLimitWaits() async throws {
        let stores = SQLiteStoreConformanceTests.Stores {
            $0.indexLagLimit = 400
            $0.maintenanceIntervalMilliseconds = 600_000
        }
        let store = try await stores.make()
        let upkeep = Task { try await store.run() }
        defer { upkeep.cancel() }
        let validator = AuditEventValidator()
        // Its first round (at the start) done, the upkeep waits.
        while !store.indexTail.upkeepRuns { try await Task.sleep(for: .milliseconds(5)) }
        // Below a quarter (100), nothing wakes the upkeep before its round in ten minutes.
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 60, seed: 1), validator: validator))
        try await Task.sleep(for: .milliseconds(300))
        #expect(store.indexTail.waiting == 60)
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 60, seed: 2, start: 60), validator: validator))
        let deadline = ContinuousClock.now + .seconds(10)
        func indexed() -> Int64 { store.indexTail.state.withLock { $0.indexedThrough } }
        while indexed() < 120, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(indexed() == 120)
        #expect(store.indexTail.waiting == 0)
        upkeep.cancel()
        _ = await upkeep.result
        try await stores.close(store)
    }
}
