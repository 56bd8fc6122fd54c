import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Testing

@testable import AuditTrailServer

@Suite struct ReadRouteTests {
    /// Five `doc.*` events by u-1 (seq 1, 3, 5) and u-2 (seq 2, 4).
    static func seed(_ api: TestAPI) async throws {
        for index in 1...5 {
            let actor = index % 2 == 1 ? "u-1" : "u-2"
            let action = index == 5 ? "doc.delete" : "doc.view"
            let outcome = index == 4 ? "failure" : "success"
            let reply = try await api.ingest(#"{"action":"\#(action)","outcome":"\#(outcome)","actor":{"id":"\#(actor)"}}"#)
            #expect(reply.status == .created)
        }
    }

    static func seqs(_ reply: Reply) -> [Int64] {
        reply.json["events"]?.arrayValue?.compactMap { $0["seq"]?.int64Value } ?? []
    }

    @Test(arguments: TestStore.available) func listFiltersAndPagesWithTheCursor(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            try await Self.seed(api)
            let first = try await api.send(.get, "/v1/events?action=doc.*&limit=2")
            #expect(first.status == .ok)
            #expect(Self.seqs(first) == [5, 4])
            let cursor = try #require(first.json["next_cursor"]?.stringValue)
            let second = try await api.send(.get, "/v1/events?action=doc.*&limit=2&cursor=\(cursor)")
            #expect(Self.seqs(second) == [3, 2])
            let cursor2 = try #require(second.json["next_cursor"]?.stringValue)
            let third = try await api.send(.get, "/v1/events?action=doc.*&limit=2&cursor=\(cursor2)")
            #expect(Self.seqs(third) == [1])
            #expect(third.json["next_cursor"] == .null)

            #expect(Self.seqs(try await api.send(.get, "/v1/events?actor=u-2")) == [4, 2])
            #expect(Self.seqs(try await api.send(.get, "/v1/events?action=doc.view&order=asc")) == [1, 2, 3, 4])
            #expect(Self.seqs(try await api.send(.get, "/v1/events?outcome=failure")) == [4])
            #expect(Self.seqs(try await api.send(.get, "/v1/events?q=action%3Adoc.delete")) == [5])
            #expect(Self.seqs(try await api.send(.get, "/v1/events?q=actor:u-1+-action:doc.delete")) == [3, 1])
        }
    }

    static let badParameters: [(uri: String, field: String)] = [
        ("/v1/events?bogus=1", "bogus"),
        ("/v1/events?limit=0", "limit"),
        ("/v1/events?limit=1001", "limit"),
        ("/v1/events?outcome=meh", "outcome"),
        ("/v1/events?severity=loud", "severity"),
        ("/v1/events?since=notatime", "since"),
        ("/v1/events?ip=10.0.0.0/99", "ip"),
        ("/v1/events?cursor=zzz", "cursor"),
        ("/v1/events?order=sideways", "order"),
        ("/v1/events?action=doc.view&action=doc.edit", "action"),
        ("/v1/events?hours=-1", "hours"),
        ("/v1/events?q=%22unterminated", "q"),
        ("/v1/stats?bucket=week", "bucket"),
        ("/v1/stats?bogus=1", "bogus"),
        ("/v1/event-types?bogus=1", "bogus"),
    ]

    @Test(arguments: badParameters)
    func unknownOrBadParameterIsA400NamingIt(uri: String, field: String) async throws {
        try await withServer { _, api in
            let reply = try await api.send(.get, uri)
            #expect(reply.status == .badRequest)
            #expect(reply.errorFields.contains(field), "expected \(field) in \(reply.errorFields)")
        }
    }

    @Test(arguments: TestStore.available) func getByIDReturnsTheStoredEventOr404(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            let created = try await api.ingest(#"{"action":"doc.view","actor":{"id":"u-1"}}"#)
            let id = try #require(created.json["id"]?.stringValue)
            let found = try await api.send(.get, "/v1/events/\(id.uppercased())")
            #expect(found.status == .ok)
            #expect(found.json["id"]?.stringValue == id)
            let missing = try await api.send(.get, "/v1/events/0193f7e2-6c1a-7b0e-9d3c-000000000000")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == AuditProblem.contentType)
        }
    }

    @Test(arguments: TestStore.available) func statsAggregateTheFilteredEvents(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            try await Self.seed(api)
            let reply = try await api.send(.get, "/v1/stats?action=doc.*&bucket=day")
            #expect(reply.status == .ok)
            #expect(reply.json["total"]?.int64Value == 5)
            #expect(reply.json["failures"]?.int64Value == 1)
            #expect(reply.json["unique_actors"]?.int64Value == 2)
            #expect(reply.json["by_action"]?["doc.view"]?.int64Value == 4)
            #expect(reply.json["by_action"]?["doc.delete"]?.int64Value == 1)
            #expect(reply.json["by_outcome"]?["failure"]?.int64Value == 1)
            #expect(reply.json["bucket"]?.stringValue == "day")
            let bins = reply.json["histogram"]?.arrayValue ?? []
            #expect(bins.compactMap { $0["count"]?.int64Value }.reduce(0, +) == 5)
        }
    }

    @Test(arguments: TestStore.available) func eventTypesListTheCatalogAndTheSeenActions(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            try await Self.seed(api)
            let reply = try await api.send(.get, "/v1/event-types")
            #expect(reply.status == .ok)
            let known = reply.json["known"]?.arrayValue ?? []
            let login = known.first { $0["action"]?.stringValue == "user.login_failed" }
            #expect(login?["category"]?.stringValue == "authentication")
            #expect(login?["default_severity"]?.stringValue == "warning")
            #expect(login?["description"]?.stringValue?.isEmpty == false)
            let seen = reply.json["seen"]?.arrayValue ?? []
            #expect(seen.first { $0["action"]?.stringValue == "doc.view" }?["count"]?.int64Value == 4)
        }
    }

    @Test func severitiesAreTheFiveLevelsInOrder() async throws {
        try await withServer { _, api in
            let reply = try await api.send(.get, "/v1/severities")
            let names = reply.json["severities"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(names == ["debug", "info", "warning", "error", "critical"])
        }
    }

    @Test(arguments: TestStore.available) func viewerSeesOnlyItsSubjectEverywhere(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            try await Self.seed(api)
            let viewer = try await api.createKey(role: "viewer", subject: "u-1")
            let list = try await api.send(.get, "/v1/events", key: viewer.secret)
            #expect(Self.seqs(list) == [5, 3, 1])
            let other = try await api.send(.get, "/v1/events?actor=u-2", key: viewer.secret)
            #expect(Self.seqs(other).isEmpty)

            let all = try await api.send(.get, "/v1/events?actor=u-2")
            let foreignID = try #require(all.json["events"]?.arrayValue?.first?["id"]?.stringValue)
            let foreign = try await api.send(.get, "/v1/events/\(foreignID)", key: viewer.secret)
            #expect(foreign.status == .notFound)
            let ownID = try #require(list.json["events"]?.arrayValue?.first?["id"]?.stringValue)
            #expect(try await api.send(.get, "/v1/events/\(ownID)", key: viewer.secret).status == .ok)

            let stats = try await api.send(.get, "/v1/stats", key: viewer.secret)
            #expect(stats.json["total"]?.int64Value == 3)
            #expect(stats.json["unique_actors"]?.int64Value == 1)
            let types = try await api.send(.get, "/v1/event-types", key: viewer.secret)
            let seen = types.json["seen"]?.arrayValue ?? []
            #expect(seen.first { $0["action"]?.stringValue == "doc.view" }?["count"]?.int64Value == 2)
            #expect(!seen.contains { $0["action"]?.stringValue == "audit.query" })
        }
    }

    @Test func readsAreRecordedAsAuditQueryEvents() async throws {
        try await withServer { _, api in
            try await Self.seed(api)
            let auditor = try await api.createKey(role: "auditor", name: "the-auditor")
            let read = try await api.send(.get, "/v1/events?action=doc.view&limit=2", key: auditor.secret)
            #expect(read.status == .ok)
            _ = try await api.send(.get, "/v1/stats?actor=u-1", key: auditor.secret)
            // The writer commits in order: once this append is acknowledged, the reads are stored.
            #expect(try await api.ingest(#"{"action":"doc.view"}"#).status == .created)

            let recorded = try await api.send(.get, "/v1/events?action=audit.query&actor=\(auditor.id)&order=asc")
            let events = recorded.json["events"]?.arrayValue ?? []
            #expect(events.count == 2)
            let list = try #require(events.first)
            #expect(list["actor"]?["type"]?.stringValue == "api_key")
            #expect(list["actor"]?["name"]?.stringValue == "the-auditor")
            #expect(list["metadata"]?["route"]?.stringValue == "GET /v1/events")
            #expect(list["metadata"]?["parameters"]?["action"]?.stringValue == "doc.view")
            #expect(list["metadata"]?["parameters"]?["limit"]?.stringValue == "2")
            #expect(list["metadata"]?["result_count"]?.int64Value == 2)
            let stats = try #require(events.last)
            #expect(stats["metadata"]?["route"]?.stringValue == "GET /v1/stats")
            #expect(stats["metadata"]?["result_count"]?.int64Value == 3)
        }
    }
}
