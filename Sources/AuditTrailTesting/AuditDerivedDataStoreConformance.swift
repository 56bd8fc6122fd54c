import AuditTrail
import Synchronization
import Testing

/// One part of the derived-data contract that ``AuditDerivedDataStoreConformance`` checks.
public enum AuditDerivedDataStoreConformanceCheck: String, Sendable, CaseIterable, CustomStringConvertible {
    /// An empty log and a growing one verify, counting every event once, with progress up to the
    /// head; searches and stats between the checks change nothing.
    case cleanLogVerifies
    /// After retention removed the oldest events (cutting a chunk), what remains verifies and
    /// only the remaining events are counted.
    case verifiesAfterRetention
    /// A rebuild (`audittrail reindex`) of an untouched log, after retention cut a chunk: the
    /// same chunks are stored again, nothing is repaired or left, the check passes, and searches
    /// and stats answer as before; appends after it are indexed as usual.
    case rebuildChangesNothingOnAnIntactLog

    public var description: String { rawValue }
}

/// The derived-data contract (``AuditDerivedDataStore/verifyDerivedData(progress:)``) as
/// executable checks on an untouched log: whatever the store derives from the canonical bytes
/// must agree with them. Tampering needs each store's own SQL: its tests edit rows and expect
/// the seq named.
///
/// ```swift
/// @Test(arguments: AuditDerivedDataStoreConformanceCheck.allCases)
/// func derivedData(_ check: AuditDerivedDataStoreConformanceCheck) async throws {
///     try await AuditDerivedDataStoreConformance(makeStore: { try await makeTemporaryStore() },
///                                                closeStore: { try await $0.close() }).run(check)
/// }
/// ```
public struct AuditDerivedDataStoreConformance<Store: AuditStore & AuditRetentionStore & AuditDerivedDataStore>: Sendable {
    let harness: AuditStoreHarness<Store>
    /// Later than every event a check appends.
    let later = AuditTime.now().adding(milliseconds: 86_400_000)

    /// - Parameters:
    ///   - makeStore: returns a new, empty store each time it is called.
    ///   - closeStore: releases a store made by `makeStore`.
    public init(
        makeStore: @escaping @Sendable () async throws -> Store,
        closeStore: @escaping @Sendable (Store) async throws -> Void
    ) {
        harness = AuditStoreHarness(makeStore: makeStore, closeStore: closeStore)
    }

    /// Runs one check; failures are recorded as Swift Testing issues.
    public func run(_ check: AuditDerivedDataStoreConformanceCheck) async throws {
        try await harness.withStore { store in
            switch check {
            case .cleanLogVerifies: try await cleanLogVerifies(store)
            case .verifiesAfterRetention: try await verifiesAfterRetention(store)
            case .rebuildChangesNothingOnAnIntactLog: try await rebuildChangesNothingOnAnIntactLog(store)
            }
        }
    }

    /// Verifies, expecting no problem, `events` events checked and progress ending at the head.
    @discardableResult
    func expectClean(_ store: Store, events: Int64, _ comment: Comment) async throws -> AuditIndexVerification {
        let head = try await store.head().seq
        let reported = ProgressRecorder()
        let result = try await store.verifyDerivedData { checked, headSeq in reported.record(checked, headSeq) }
        #expect(result.ok, "\(comment): \(result.problem.map(String.init(describing:)) ?? "")")
        #expect(result.checkedEvents == events, comment)
        #expect(result.checkedChunks >= 0 && Int64(result.checkedChunks) <= max(0, head), comment)
        if events > 0 { #expect(reported.last.map { $0.checked == events && $0.head == head } == true, comment) }
        return result
    }

    func cleanLogVerifies(_ store: Store) async throws {
        let empty = try await expectClean(store, events: 0, "an empty log")
        #expect(empty.checkedChunks == 0)
        var chunks = 0
        for batch in 0..<4 {
            _ = try await store.append(
                AuditFixtures.prepare(AuditFixtures.events(count: 150, seed: 42, start: batch * 150), validator: harness.validator)
            )
            let result = try await expectClean(store, events: Int64(batch + 1) * 150, "after batch \(batch)")
            #expect(result.checkedChunks >= chunks, "complete chunks stay persisted")
            chunks = result.checkedChunks
            // Searches and stats read (and cache) the persisted chunks; the check reads them as stored.
            _ = try await store.stats(AuditStatsRequest())
            _ = try await store.events(matching: AuditQuery())
        }
        _ = try await store.append(AuditFixtures.prepare([AuditFixtures.fullyPopulated()], validator: harness.validator))
        try await expectClean(store, events: 601, "with the fully populated event")
    }

    func verifiesAfterRetention(_ store: Store) async throws {
        try await harness.append(300, seed: 7, to: store)
        try await expectClean(store, events: 300, "before removal")
        let first = try #require(try await store.removeOldestEvents(through: 100, receivedBefore: later, limit: 1_000, at: .now()))
        #expect(first.seq == 100)
        try await expectClean(store, events: 200, "after removing 1…100")
        let second = try #require(try await store.removeOldestEvents(through: 137, receivedBefore: later, limit: 1_000, at: .now()))
        #expect(second.seq == 137)
        try await expectClean(store, events: 163, "after removing 101…137")
        _ = try await store.stats(AuditStatsRequest())
        try await harness.append(20, seed: 8, to: store)
        try await expectClean(store, events: 183, "after appending again")
    }
}

extension AuditDerivedDataStoreConformance {
    func rebuildChangesNothingOnAnIntactLog(_ store: Store) async throws {
        try await harness.append(700, seed: 11, to: store)
        _ = try #require(try await store.removeOldestEvents(through: 50, receivedBefore: later, limit: 1_000, at: .now()))
        let before = try await expectClean(store, events: 650, "before the rebuild")
        var query = AuditQuery()
        query.limit = 1_000
        let page = try await store.events(matching: query).events.map(\.seq)
        let stats = try await store.stats(AuditStatsRequest())
        let reported = ProgressRecorder()
        let rebuild = try await store.rebuildDerivedData { done, head in reported.record(done, head) }
        #expect(rebuild.rowsRepaired == 0 && rebuild.rowsLeft == 0 && rebuild.actionCountsRepaired == 0, "\(rebuild)")
        #expect(reported.last.map { $0.checked == $0.head } == true, "progress ends at the head")
        let after = try await expectClean(store, events: 650, "after the rebuild")
        #expect(after.checkedChunks == before.checkedChunks)
        #expect(try await store.events(matching: query).events.map(\.seq) == page)
        #expect(try await store.stats(AuditStatsRequest()) == stats)
        try await harness.append(40, seed: 12, to: store)
        try await expectClean(store, events: 690, "appending after the rebuild")
    }
}

/// The last progress a check reported (called from the store's task).
final class ProgressRecorder: Sendable {
    let state = Mutex<(checked: Int64, head: Int64)?>(nil)

    func record(_ checked: Int64, _ head: Int64) { state.withLock { $0 = (checked, head) } }

    var last: (checked: Int64, head: Int64)? { state.withLock { $0 } }
}
