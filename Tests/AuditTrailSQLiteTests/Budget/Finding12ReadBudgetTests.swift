import AuditTrail
import Testing

@testable import AuditTrailSQLite

/// Issue 12, finding 12: a read has a time budget and is interrupted past it or when its task is
/// cancelled, and key lookups never wait behind searches that fill the reader threads.
/// Loose bounds: the statements run for minutes, so seconds tell an interrupted one apart even on
/// a loaded machine (the whole suite on two shared cores).
@Suite struct Finding12ReadBudgetTests {
    /// A statement that runs for minutes: counts to two billion.
    static let slowSQL = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT count(*) FROM c"

    static let readers = 4

    func withStore(_ body: (SQLiteAuditStore) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open { $0.readerCount = Self.readers }
        do {
            try await body(store)
        } catch {
            try await store.close()
            throw error
        }
        try await store.close()
    }

    /// A search that runs `slowSQL` on a searcher connection.
    static func slowSearch(_ store: SQLiteAuditStore) async throws {
        try await store.search("slow test search") { try $0.run(slowSQL, keep: false) }
    }

    @Test func finding12_aReadOverItsBudgetIsInterrupted() async throws {
        try await withStore { store in
            let clock = ContinuousClock()
            let start = clock.now
            let error = await #expect(throws: AuditTrailError.self) {
                try await AuditReadBudget.$current.withValue(AuditReadBudget(limit: .milliseconds(200))) {
                    try await Self.slowSearch(store)
                }
            }
            #expect(error?.code == .timedOut)
            #expect(error?.message.contains("time budget of 0.2 s") == true)
            // Generous bounds: the other suites share two cores (alone: ~0.21 s).
            #expect(clock.now - start < .seconds(20), "interrupted at its budget, not at the statement's end")
            // The connection is back and usable.
            try await store.search("after") { try $0.run("SELECT 1", keep: false) }
        }
    }

    @Test func finding12_aCancelledReadInterruptsItsStatement() async throws {
        try await withStore { store in
            let clock = ContinuousClock()
            let tasks = (0..<Self.readers).map { _ in Task { try await Self.slowSearch(store) } }
            try await Task.sleep(for: .milliseconds(300))
            let cancelled = clock.now
            for task in tasks { task.cancel() }
            for task in tasks {
                let error = await #expect(throws: AuditTrailError.self) { try await task.value }
                #expect(error?.code == .cancelled)
            }
            #expect(clock.now - cancelled < .seconds(20), "every statement stopped at the cancellation (alone: ~15 ms)")
            // Every searcher is back in the pool: as many searches as connections run at once.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<Self.readers { group.addTask { try await store.search("after") { try $0.run("SELECT 1", keep: false) } } }
                try await group.waitForAll()
            }
            #expect(clock.now - cancelled < .seconds(30), "not minutes: the statements would run that long")
        }
    }

    @Test func finding12_keyLookupsDoNotWaitBehindSlowSearches() async throws {
        try await withStore { store in
            let key = AuditAPIKey(id: "k-1", name: "writer", role: .writer, subject: nil, createdAt: .now(), revokedAt: nil)
            try await store.insertKey(key, secretHash: "hash-of-k-1")
            let clock = ContinuousClock()
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Every reader thread busy with a search of up to ten seconds.
                for _ in 0..<Self.readers {
                    group.addTask {
                        await #expect(throws: AuditTrailError.self) {
                            try await AuditReadBudget.$current.withValue(AuditReadBudget(limit: .seconds(10))) {
                                try await Self.slowSearch(store)
                            }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                let start = clock.now
                let found = try await store.key(secretHash: "hash-of-k-1")
                let unknown = try await store.key(secretHash: "no-such-hash")
                let elapsed = clock.now - start
                #expect(found?.id == "k-1")
                #expect(unknown == nil)
                // Alone ~0.3 ms; on the reader threads (before) ~9.7 s, the searches' budget. The
                // bound leaves room for the CPU the four searches and other suites take.
                #expect(elapsed < .seconds(20), "two key lookups took \(elapsed) behind four slow searches")
                group.cancelAll()
                try await group.waitForAll()
            }
        }
    }
}
