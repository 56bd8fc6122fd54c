import AuditTrail
import Synchronization
import Testing

/// The search index's lag bound, on a store made with a small lag limit and no upkeep running
/// (so nothing but the appends themselves catches the index up): however many events are
/// appended, the events waiting to be indexed never reach the limit plus one append's size, the
/// index advances without any search, and a search then answers every event.
///
/// ```swift
/// @Test func indexLagIsBounded() async throws {
///     try await AuditIndexLagConformance(makeStore: { try await makeStore(indexLagLimit: 50) },
///                                        closeStore: { try await $0.close() }).run()
/// }
/// ```
package struct AuditIndexLagConformance<Store: AuditStore & AuditIndexStorage>: Sendable {
    let harness: AuditStoreHarness<Store>

    package init(
        makeStore: @escaping @Sendable () async throws -> Store,
        closeStore: @escaping @Sendable (Store) async throws -> Void
    ) {
        harness = AuditStoreHarness(makeStore: makeStore, closeStore: closeStore)
    }

    /// Appends 3½ lag limits' worth of events, 7 at a time, checking the bound after each append.
    package func run() async throws {
        try await harness.withStore { store in
            let tail = store.indexTail
            let limit = tail.lagLimit
            let batch = 7
            let batches = (limit * 7 / 2) / batch
            var most = 0
            var catchUps = 0
            for index in 0..<batches {
                let before = tail.waiting
                try await harness.append(batch, seed: UInt64(index), to: store)
                let after = tail.waiting
                most = max(most, after)
                if before >= limit {
                    catchUps += 1
                    #expect(after == batch, "the append after \(before) waiting events did not wait for the index (\(after) wait now)")
                } else {
                    #expect(after == before + batch)
                }
            }
            #expect(most < limit + batch, "\(most) events waited for the index; the limit is \(limit)")
            #expect(catchUps >= 3, "the appends caught the index up \(catchUps) times")
            let indexed = tail.state.withLock { $0.indexedThrough }
            #expect(indexed >= Int64(batches * batch - limit - batch), "indexed through \(indexed) of \(batches * batch) without a search")
            var query = AuditQuery()
            query.limit = 1000
            query.search = try AuditSearchParser.parse("-action:nothing.matches")
            var seen = 0
            var page = try await store.events(matching: query)
            seen += page.events.count
            while let cursor = page.nextCursor {
                query.cursor = cursor
                page = try await store.events(matching: query)
                seen += page.events.count
            }
            #expect(seen == batches * batch)
            #expect(tail.waiting == 0)
        }
    }

    /// Searches running all the time while 3,000 events are appended, 20 at a time (as the alert
    /// rules' followers search at every commit): the index takes every appended row from its
    /// append, none is read back from the store.
    package func runReadBack() async throws {
        try await harness.withStore { store in
            let flag = AuditDoneFlag()
            var search = AuditQuery()
            search.search = try AuditSearchParser.parse("outcome:denied")
            search.limit = 10
            let query = search
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        while !flag.done.load(ordering: .relaxed) { _ = try await store.events(matching: query) }
                    }
                }
                group.addTask {
                    defer { flag.done.store(true, ordering: .relaxed) }
                    for round in 0..<150 { try await harness.append(20, seed: UInt64(round), to: store) }
                }
                try await group.waitForAll()
            }
            _ = try await store.events(matching: query)
            #expect(store.indexTail.state.withLock { $0.indexedThrough } == 3_000)
            #expect(store.indexTail.rowsReadBack == 0, "rows this process appended were read back")
        }
    }
}

/// A flag set once, read by other tasks.
final class AuditDoneFlag: Sendable {
    let done = Atomic<Bool>(false)
}
