import AuditTrail
import AuditTrailTesting
import Foundation
import SQLiteNIO
import Synchronization
import Testing

@testable import AuditTrailSQLite

/// The search index of the SQLite store: complete chunks are written to the index file, the
/// newest stays in memory, and answers equal the definition whatever holds them — after a
/// reopen, with the index file deleted, and with another store appending to the same directory.
@Suite struct SQLiteStoreIndexTests {
    static let queries: [String] = [
        "action:data.read", "action:user.*", "actor:u-4", "resource.type:invoice", "outcome:denied", "-outcome:success payroll",
        "\"quarterly report\" OR tag:billing", "ip:10.0.0.0/8 -severity:debug", "quarter*",
    ]

    /// Every event of the store, decoded.
    func allEvents(_ store: SQLiteAuditStore) async throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        var after: Int64 = 0
        while true {
            let rows = try await store.rows(after: after, limit: 500)
            guard let last = rows.last else { return events }
            events += try rows.map { try $0.decoded() }
            after = last.seq
        }
    }

    func expectAgreement(_ store: SQLiteAuditStore, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let events = try await allEvents(store)
        for text in Self.queries {
            var query = AuditQuery()
            query.search = try AuditSearchParser.parse(text)
            query.limit = 1000
            let expected = events.filter { AuditEventMatcher.matches(query, $0) }.map(\.seq)
            #expect(!expected.isEmpty && expected.count < events.count, "\(label): \(text) tells nothing apart", sourceLocation: sourceLocation)
            let got = try await store.events(matching: query).events.map(\.seq)
            #expect(got == expected.reversed(), "\(label): \(text): \(got.count) instead of \(expected.count)", sourceLocation: sourceLocation)
            let stats = try await store.stats(matching: query, bucket: .hour)
            let reference = AuditReferenceMatcher.stats(events.filter { AuditEventMatcher.matches(query, $0) }, bucket: .hour)
            #expect(stats == reference, "\(label): stats of \(text)", sourceLocation: sourceLocation)
        }
    }

    /// The index file's chunks and the number of action postings in them.
    func storedChunks(_ directory: TemporaryDirectory) async throws -> (chunks: [Int64], actions: Int64) {
        let raw = try await directory.rawConnection()
        defer { Task { try? await raw.close() } }
        _ = try await raw.query("ATTACH DATABASE ? AS ix", [.text(directory.path + "/audit-index.sqlite")])
        let chunks = try await raw.query("SELECT chunk FROM ix.chunks ORDER BY chunk").compactMap { $0.column("chunk")?.integer }.map(Int64.init)
        var actions: Int64 = 0
        for row in try await raw.query("SELECT key, events FROM ix.sets WHERE kind = 1") {
            let events = row.column("events")?.blob.map { Array($0.readableBytesView) } ?? []
            for held in try AuditPackedSets.sets(row: row.column("key")?.string ?? "", events: events) { actions += Int64(held.set.count) }
        }
        return (chunks, actions)
    }

    @Test func completeChunksAreWrittenAndAnswersAgreeAtEveryStage() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let shift = 5  // 32 seqs per chunk
        var store = try await directory.open { $0.indexChunkShift = shift }
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 1000, seed: 21)))
        try await expectAgreement(store, "in memory, just appended")
        var stored = try await storedChunks(directory)
        #expect(stored.chunks == Array(0..<31), "31 complete chunks of 32; seqs 993…1000 stay in memory")
        #expect(stored.actions == 992, "one action posting per event of a written chunk")
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 30, seed: 22)))
        try await expectAgreement(store, "after more appends")
        #expect(try await storedChunks(directory).chunks.count == 32)
        try await store.close()

        store = try await directory.open { $0.indexChunkShift = shift }
        try await expectAgreement(store, "reopened")
        try await expectAgreement(store, "reopened, from the cache of stored sets")
        try await store.close()

        // Derived data: without its file the index is built again from the events.
        try FileManager.default.removeItem(atPath: directory.path + "/audit-index.sqlite")
        store = try await directory.open { $0.indexChunkShift = shift }
        try await expectAgreement(store, "rebuilt")
        stored = try await storedChunks(directory)
        #expect(stored.chunks.count == 32 && stored.actions == 1024)
        try await store.close()

        // Another chunk size: the file is rebuilt for it.
        store = try await directory.open { $0.indexChunkShift = 3 }
        try await expectAgreement(store, "8 seqs per chunk")
        #expect(try await storedChunks(directory).chunks.count == 128)
        try await store.close()
    }

    /// Opening a store never waits for derived data: without its index file the store opens with
    /// nothing built (its service, or its first search, builds it), appends go on, and while a
    /// build runs, searches and stats fail at once with `.unavailable` instead of queueing
    /// behind it (a server on a million-event log written without its service listened only
    /// after the 22-s build before).
    @Test func openingDoesNotWaitForTheIndexAndSearchesDuringABuildAreUnavailable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var store = try await directory.open { $0.indexChunkShift = 4 }
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 100, seed: 23)))
        try await store.close()
        try FileManager.default.removeItem(atPath: directory.path + "/audit-index.sqlite")
        store = try await directory.open { $0.indexChunkShift = 4 }
        #expect(try await storedChunks(directory).chunks.isEmpty, "open built the index")
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 5, seed: 24, start: 100)))
        // A build under way (as the service runs it): searches and stats are refused at once.
        store.indexBuilding.withLock { $0 = (2, 6) }
        var everything = AuditQuery()
        everything.limit = 1000
        await #expect(throws: AuditTrailError.self) { try await store.events(matching: everything) }
        do {
            _ = try await store.stats(matching: everything, bucket: .hour)
            Issue.record("stats answered during the build")
        } catch let error as AuditTrailError {
            #expect(error.code == .unavailable && error.message.contains("2 of 6 chunks"), "\(error)")
        }
        #expect(try await store.event(id: try #require(try await store.rows(after: 0, limit: 1).first).id) != nil)
        store.indexBuilding.withLock { $0 = nil }
        // Then the first search builds what is missing, and answers agree with the definition.
        try await expectAgreement(store, "built at the first search")
        #expect(try await storedChunks(directory).chunks == Array(0..<6))
        try await store.close()
    }

    @Test func rowsAnotherStoreAppendedAreFoundAndIndexedOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try await directory.open { $0.indexChunkShift = 4 }
        let second = try await directory.open { $0.indexChunkShift = 4 }
        for round in 0..<6 {
            let store = round % 2 == 0 ? first : second
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 23, seed: 30, start: round * 23)))
        }
        try await expectAgreement(first, "first store")
        try await expectAgreement(second, "second store")
        var everything = AuditQuery()
        everything.limit = 1000
        async let a = first.events(matching: everything)
        async let b = first.events(matching: everything)
        let (pageA, pageB) = try await (a, b)
        #expect(pageA.events.map(\.seq) == Array((1...138).reversed()) && pageB.events.map(\.seq) == pageA.events.map(\.seq))
        try await first.close()
        try await second.close()
    }
}

extension SQLiteStoreIndexTests {
    /// The cache of stored sets answers what it holds, remembers absent keys, and stays within
    /// its budget by dropping its oldest entries.
    @Test func theSetCacheIsBounded() {
        let cache = AuditIndexCache(budget: 40_000)
        let dense = AuditSeqSet(range: 0..<30_000)  // a bitmap: 8,193 bytes
        for chunk in Int64(0)..<10 {
            let key = AuditIndexKey(.action, "a")
            let read = AuditChunkRead(sets: [key: dense], present: dense, timeBounds: 0...1, times: nil)
            cache.store(chunk: chunk, read: read, keys: [key, AuditIndexKey(.action, "absent")])
            let (found, missing) = cache.sets(chunk, [key, AuditIndexKey(.action, "absent"), AuditIndexKey(.action, "other")])
            #expect(found[key] == .some(dense) && found[AuditIndexKey(.action, "absent")] == .some(nil))
            #expect(missing == [AuditIndexKey(.action, "other")])
        }
        // Ten dense sets do not fit in 40,000 bytes: the oldest were dropped.
        #expect(cache.sets(0, [AuditIndexKey(.action, "a")]).missing.count == 1)
        #expect(cache.sets(9, [AuditIndexKey(.action, "a")]).missing.isEmpty)
        // Whole kinds (what stats read) are kept and dropped the same way.
        let actors = [AuditIndexKey(.actor, "u-1"): AuditSeqSet(offsets: [1, 5])]
        #expect(cache.sets(3, kind: .actor) == nil)
        cache.store(chunk: 3, kind: .actor, sets: actors)
        #expect(cache.sets(3, kind: .actor) == actors)
        for chunk in Int64(10)..<20 {
            cache.store(chunk: chunk, kind: .action, sets: [AuditIndexKey(.action, "a"): dense])
        }
        #expect(cache.sets(3, kind: .actor) == nil && cache.sets(19, kind: .action) != nil)
    }

    /// A chunk head read first without its time column (as a search reads it) and then with it
    /// (as stats read it) is counted with the column: the soak found 25 such columns (13 MiB)
    /// held by a cache that counted 4 MiB, so a 16 MiB budget never trimmed and the server grew.
    @Test func aChunkHeadReadAgainWithItsTimeColumnCountsIt() {
        let budget = 2 << 20
        let cache = AuditIndexCache(budget: budget)
        let present = AuditSeqSet(range: 0..<65_536)
        let times = (0..<65_536).map { Int64($0) }
        for chunk in Int64(0)..<40 {
            cache.store(chunk: chunk, read: AuditChunkRead(sets: [:], present: present, timeBounds: 0...1, times: nil), keys: [])
            let before = cache.accountedBytes
            cache.store(chunk: chunk, read: AuditChunkRead(sets: [:], present: present, timeBounds: 0...1, times: times), keys: [])
            // Counted when it came, or the cache was trimmed for it (a trim drops every head).
            #expect(cache.accountedBytes >= before + 65_536 * 8 || cache.accountedBytes < before)
            #expect(cache.accountedBytes <= budget)
        }
        // What it holds is within its budget: at most four 512 KiB time columns in 2 MiB.
        let held = (Int64(0)..<40).filter { cache.chunk($0)?.times != nil }.count
        #expect(held * 65_536 * 8 <= budget, "\(held) time columns of 512 KiB kept in a 2 MiB cache")
    }
}
