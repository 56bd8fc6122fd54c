import AuditTrail
import AuditTrailTesting
import Foundation
import Testing

@testable import AuditTrailSQLite

/// Random logs and random queries through the SQLite store — stored chunks, the in-memory chunk,
/// the set cache and rollups — against a plain scan of the canonical bytes: every page in both
/// orders with random page sizes, events appended while a client pages, and stats with random
/// grouping and buckets.
@Suite struct SQLiteIndexPropertyTests {
    static let atoms = [
        "action:user.login", "action:data.*", "category:data", "actor:u-5", "actor:u-12", "actor.name:alice", "actor.type:service",
        "resource.type:document", "outcome:denied", "outcome:failure", "severity:>=warning", "severity:<info",
        "ip:10.0.0.0/8", "ip:203.0.113.0/24", "tag:billing", "tag:prod", "compliance:GDPR", "country:de", "risk:>=50", "payroll",
        "\"quarterly report\"", "quarter*", "zurich", "touched",
    ]

    static func expression(_ random: inout SplitMix64, _ depth: Int = 0) -> String {
        switch depth > 2 ? 0 : random.below(5) {
        case 0, 1: return atoms[random.below(atoms.count)]
        case 2: return "-" + (random.below(2) == 0 ? atoms[random.below(atoms.count)] : "(" + expression(&random, depth + 1) + ")")
        case 3: return "(" + expression(&random, depth + 1) + " OR " + expression(&random, depth + 1) + ")"
        default: return expression(&random, depth + 1) + " " + expression(&random, depth + 1)
        }
    }

    static func allEvents(_ store: SQLiteAuditStore) async throws -> [AuditEvent] {
        try await store.rows(after: 0, limit: 100_000).map { try $0.decoded() }
    }

    @Test(arguments: [UInt64(7), 8, 9])
    func randomQueriesPagedThroughTheStoreEqualAScan(seed: UInt64) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open { $0.indexChunkShift = 4 }  // 16 seqs per chunk
        var appended = 0
        func append(_ count: Int) async throws {
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: count, seed: seed, start: appended)))
            appended += count
        }
        try await append(300)
        var random = SplitMix64(seed: seed)
        var decisive = 0
        for round in 0..<25 {
            var query = AuditQuery()
            if random.below(3) == 0 { query.action = random.below(2) == 0 ? .exact("data.read") : .prefix("user.") }
            if random.below(4) == 0 { query.outcome = [.success, .failure, .denied][random.below(3)] }
            if random.below(4) == 0 { query.actor = "u-\(random.below(40))" }
            if random.below(5) == 0 { query.minSeverity = AuditSeverity.allCases[random.below(5)] }
            let events = try await Self.allEvents(store)
            if random.below(4) == 0 { query.since = events[random.below(events.count)].time }
            if random.below(5) == 0 { query.until = events[random.below(events.count)].time }
            if random.below(3) != 0 { query.search = try AuditSearchParser.parse(Self.expression(&random)) }
            let expected = events.filter { AuditEventMatcher.matches(query, $0) }.map(\.seq)
            if !expected.isEmpty, expected.count < events.count { decisive += 1 }
            for order in [AuditQuery.Order.desc, .asc] {
                var paging = query
                paging.order = order
                paging.limit = 1 + random.below(60)
                var seqs: [Int64] = []
                var pages = 0
                while pages < 1000 {
                    let page = try await store.events(matching: paging)
                    #expect(page.events.count <= paging.limit)
                    seqs += page.events.map(\.seq)
                    pages += 1
                    guard let next = page.nextCursor else { break }
                    paging.cursor = next
                    // New events while a client pages: newest-first pages go on below the cursor;
                    // oldest-first pages reach them at the end.
                    if pages % 3 == 0, appended < 700 { try await append(7) }
                }
                let final = try await Self.allEvents(store).filter { AuditEventMatcher.matches(query, $0) }.map(\.seq)
                let want = order == .desc ? expected.reversed() : final
                #expect(seqs == Array(want), "round \(round) \(order) limit \(paging.limit): \(seqs.count) seqs, want \(want.count): \(query)")
            }
            let grouped = random.below(2) == 0 ? AuditStats.GroupField.allCases[random.below(AuditStats.GroupField.allCases.count)] : nil
            let bucket = [nil, .minute, .hour, .day][random.below(4)] as AuditStats.Bucket?
            let request = AuditStatsRequest(query: query, bucket: bucket, groupBy: grouped, top: 1 + random.below(8))
            let stats = try await store.stats(request)
            let reference = AuditReferenceMatcher.stats(try await Self.allEvents(store).filter { AuditEventMatcher.matches(query, $0) }, request)
            #expect(stats == reference, "round \(round) stats: \(query)")
        }
        #expect(decisive >= 12, "\(decisive) of 25 queries tell events apart")
        try await store.close()
    }
}
