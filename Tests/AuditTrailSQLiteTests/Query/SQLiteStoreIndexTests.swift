import AuditTrail
import AuditTrailSQLite
import AuditTrailTesting
import SQLiteNIO
import Testing

/// The deferred index: merges write complete segments, and merged answers equal unmerged ones.
@Suite struct SQLiteStoreIndexTests {
    static let queries: [String] = [
        "actor", "viewer", "correlation", "resource id", "resource type", "action", "action prefix", "no indexed filter",
    ]

    func query(_ name: String, _ events: [AuditEvent]) -> AuditQuery {
        var query = AuditQuery()
        query.limit = 1000
        switch name {
        case "actor": query.actor = "u-4"
        case "viewer":
            query.visibleActor = "u-9"
            query.outcome = .success
        case "correlation": query.correlationID = events.compactMap { $0.request?.correlationID }[5]
        case "resource id":
            let resource = events.compactMap(\.resource).filter { $0.type == "document" }[3]
            query.resourceID = resource.id
            query.resourceType = resource.type
        case "resource type": query.resourceType = "invoice"
        case "action": query.action = .exact("data.read")
        case "action prefix": query.action = .prefix("user.")
        default: query.outcome = .denied
        }
        return query
    }

    @Test func smallSegmentsMergeAndQueriesAgreeAtEveryStage() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open { $0.indexSegmentEvents = 64 }
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 1000, seed: 21)))
        var events: [AuditEvent] = []
        var after: Int64 = 0
        while true {
            let rows = try await store.rows(after: after, limit: 500)
            guard let last = rows.last else { break }
            events += try rows.map { try $0.decoded() }
            after = last.seq
        }
        #expect(try await store.mergeIndexes() == 960, "15 whole segments of 64; 40 events stay in the tail")
        #expect(try await store.mergeIndexes() == 0)
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 30, seed: 22)))
        #expect(try await store.mergeIndexes() == 64)
        while true {
            let rows = try await store.rows(after: after, limit: 500)
            guard let last = rows.last else { break }
            events += try rows.map { try $0.decoded() }
            after = last.seq
        }
        for name in Self.queries {
            let query = query(name, events)
            let expected = events.filter { AuditReferenceMatcher.matches(query, $0) }.map(\.seq).reversed()
            #expect(!expected.isEmpty, "\(name) has no match in the data set")
            #expect(try await store.events(matching: query).events.map(\.seq) == Array(expected), "\(name)")
            let stats = try await store.stats(matching: query, bucket: .hour)
            #expect(stats.total == Int64(expected.count), "\(name)")
        }
        try await store.close()

        let raw = try await directory.rawConnection()
        _ = try await raw.query("ATTACH DATABASE ? AS ix", [.text(directory.path + "/audit-index.sqlite")])
        let segments = try await raw.query("SELECT first_seq, last_seq FROM ix.segments ORDER BY segment")
        #expect(segments.count == 16)
        #expect(segments.last?.column("last_seq")?.integer == 1024)
        let postings = try await raw.query("SELECT count(*) AS n FROM ix.postings WHERE kind = 2").first?.column("n")?.integer
        #expect(postings == 1024, "one action posting per merged event")
        try await raw.close()
    }
}

extension SQLiteStoreIndexTests {
    @Test func concurrentMergesIndexEachEventOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open { $0.indexSegmentEvents = 32 }
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 640, seed: 5)))
        async let first = store.mergeIndexes()
        async let second = store.mergeIndexes()
        let merged = try await first + second
        #expect(merged == 640)
        #expect(try await store.mergeIndexes() == 0)
        var query = AuditQuery()
        query.action = .exact("user.login")
        query.limit = 1000
        let found = try await store.events(matching: query).events
        #expect(Set(found.map(\.seq)).count == found.count)
        #expect(try found.allSatisfy { try $0.decoded().action == "user.login" })
        try await store.close()
    }
}
