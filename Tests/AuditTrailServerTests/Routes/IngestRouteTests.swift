import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Testing

@testable import AuditTrailServer

@Suite struct IngestRouteTests {
    @Test(arguments: TestStore.available) func singleEventIsStoredAndAnsweredWith201(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            let reply = try await api.ingest(#"{"action":"user.login","actor":{"id":"u-1","ip":"203.0.113.9"}}"#)
            #expect(reply.status == .created)
            #expect(reply.headers[.contentType] == "application/json")
            let id = try #require(reply.json["id"]?.stringValue)
            #expect(reply.json["seq"]?.int64Value == 1)
            #expect(reply.json["hash"]?.stringValue?.count == 64)
            #expect(reply.json["received_at"]?.stringValue.flatMap(AuditTime.init(rfc3339:)) != nil)

            let stored = try await api.send(.get, "/v1/events/\(id)")
            #expect(stored.status == .ok)
            #expect(stored.json["action"]?.stringValue == "user.login")
            #expect(stored.json["category"]?.stringValue == "authentication")
            #expect(stored.json["hash"] == reply.json["hash"])
            #expect(stored.json["seq"]?.int64Value == 1)
        }
    }

    @Test(arguments: TestStore.available) func resendingAStoredIDAnswers200AndStoresOnce(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            let body = #"{"id":"0193f7e2-6c1a-7b0e-9d3c-2a1b4c5d6e7f","action":"doc.view","actor":{"id":"u-1"}}"#
            let first = try await api.ingest(body)
            let second = try await api.ingest(body)
            #expect(first.status == .created)
            #expect(second.status == .ok)
            #expect(second.json["seq"] == first.json["seq"])
            #expect(second.json["hash"] == first.json["hash"])
            #expect(second.json["received_at"] == first.json["received_at"])
            let list = try await api.send(.get, "/v1/events?action=doc.view")
            #expect(list.json["events"]?.arrayValue?.count == 1)
        }
    }

    static let badEvents: [(body: String, field: String)] = [
        ("{}", "action"),
        (#"{"action":"Bad Action"}"#, "action"),
        (#"{"action":"user.login","category":"Not Ok"}"#, "category"),
        (#"{"action":"user.login","id":"not-a-uuid"}"#, "id"),
        (#"{"action":"user.login","time":"yesterday"}"#, "time"),
        (#"{"action":"user.login","time":"2999-01-01T00:00:00Z"}"#, "time"),
        (#"{"action":"user.login","severity":"loud"}"#, "severity"),
        (#"{"action":"user.login","outcome":"maybe"}"#, "outcome"),
        (#"{"action":"user.login","actor":{"ip":"999.1.1.1"}}"#, "actor.ip"),
        (#"{"action":"user.login","actor":{"id":""}}"#, "actor.id"),
        (#"{"action":"user.login","actor":{"nick":"x"}}"#, "actor.nick"),
        (#"{"action":"user.login","actor":"alice"}"#, "actor"),
        (#"{"action":"user.login","resource":{"type":""}}"#, "resource.type"),
        (#"{"action":"user.login","request":{"status":99}}"#, "request.status"),
        (#"{"action":"user.login","request":{"method":"G E T"}}"#, "request.method"),
        (#"{"action":"user.login","request":{"duration_ms":-1}}"#, "request.duration_ms"),
        (#"{"action":"user.login","risk_score":101}"#, "risk_score"),
        (#"{"action":"user.login","risk_score":"high"}"#, "risk_score"),
        (#"{"action":"user.login","location":{"country":"Germany"}}"#, "location.country"),
        (#"{"action":"user.login","tags":[1]}"#, "tags[0]"),
        (#"{"action":"user.login","files":"a.txt"}"#, "files"),
        (#"{"action":"user.login","metadata":[1]}"#, "metadata"),
        (#"{"action":"user.login","description":"\#(String(repeating: "x", count: 9000))"}"#, "description"),
        (#"{"action":"user.login","seq":5}"#, "seq"),
        (#"{"action":"user.login","bogus":1}"#, "bogus"),
        ("not json", "body"),
        ("[]", "body"),
    ]

    @Test(arguments: badEvents)
    func invalidEventIsRejectedNamingTheField(body: String, field: String) async throws {
        try await withServer { _, api in
            let reply = try await api.ingest(body)
            #expect(reply.status == .badRequest)
            #expect(reply.headers[.contentType] == AuditProblem.contentType)
            #expect(reply.errorFields.contains(field), "expected \(field) in \(reply.errorFields)")
            let list = try await api.send(.get, "/v1/events?action=user.login")
            #expect(list.json["events"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func eventOver64KiBIsRejectedWith413() async throws {
        try await withServer { _, api in
            let padding = String(repeating: " ", count: 65 * 1024)
            let reply = try await api.ingest(#"{"action":"user.login"\#(padding)}"#)
            #expect(reply.status == .contentTooLarge)
            #expect(reply.errorFields == ["event"])
        }
    }

    @Test func secretsAreRedactedAtAnyDepth() async throws {
        try await withServer { _, api in
            let reply = try await api.ingest(#"{"action":"user.login","metadata":{"a":{"b":{"password":"hunter2","note":"ok"}}}}"#)
            let id = try #require(reply.json["id"]?.stringValue)
            let stored = try await api.send(.get, "/v1/events/\(id)")
            #expect(stored.json["metadata"]?["a"]?["b"]?["password"]?.stringValue == "[REDACTED]")
            #expect(stored.json["metadata"]?["a"]?["b"]?["note"]?.stringValue == "ok")
            #expect(stored.json["redacted"]?.arrayValue?.compactMap(\.stringValue) == ["metadata.a.b.password"])
            #expect(!stored.text.contains("hunter2"))
        }
    }

    @Test(arguments: TestStore.available) func batchAsJSONArrayIsStoredWithConsecutiveSeqs(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            let reply = try await api.send(
                .post,
                "/v1/events/batch",
                body: #"[{"action":"doc.view"},{"action":"doc.edit"},{"action":"doc.view"}]"#
            )
            #expect(reply.status == .created)
            #expect(reply.json["accepted"]?.int64Value == 3)
            #expect(reply.json["first_seq"]?.int64Value == 1)
            #expect(reply.json["last_seq"]?.int64Value == 3)
        }
    }

    @Test func batchAsNDJSONIsStored() async throws {
        try await withServer { _, api in
            let body = "{\"action\":\"doc.view\"}\n\n{\"action\":\"doc.edit\"}\r\n"
            let reply = try await api.send(.post, "/v1/events/batch", body: body, contentType: "application/x-ndjson")
            #expect(reply.status == .created)
            #expect(reply.json["accepted"]?.int64Value == 2)
            let list = try await api.send(.get, "/v1/events?action=doc.*")
            #expect(list.json["events"]?.arrayValue?.count == 2)
        }
    }

    @Test(arguments: TestStore.available) func batchWithBadEventsStoresNothingAndNamesEachIndex(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            let body = #"[{"action":"doc.view"},{"action":"doc.view","actor":{"ip":"nope"}},{"action":"doc.view"},{"severity":"x"}]"#
            let reply = try await api.send(.post, "/v1/events/batch", body: body)
            #expect(reply.status == .badRequest)
            let fields = Set(reply.errorFields)
            #expect(fields.contains("[1].actor.ip"))
            #expect(fields.contains("[3].action"))
            #expect(fields.contains("[3].severity"))
            #expect(!fields.contains { $0.hasPrefix("[0]") || $0.hasPrefix("[2]") })
            let list = try await api.send(.get, "/v1/events?action=doc.view")
            #expect(list.json["events"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func ndjsonBatchWithABadLineNamesItsIndex() async throws {
        try await withServer { _, api in
            let body = "{\"action\":\"doc.view\"}\n{not json}\n{\"action\":\"doc.view\",\"risk_score\":500}\n"
            let reply = try await api.send(.post, "/v1/events/batch", body: body, contentType: "application/x-ndjson")
            #expect(reply.status == .badRequest)
            #expect(Set(reply.errorFields) == ["[1]", "[2].risk_score"])
            let list = try await api.send(.get, "/v1/events?action=doc.view")
            #expect(list.json["events"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func batchOverTheLimitsIsRejectedWith413() async throws {
        try await withServer { _, api in
            let many = "[" + Array(repeating: #"{"action":"doc.view"}"#, count: 10_001).joined(separator: ",") + "]"
            let tooMany = try await api.send(.post, "/v1/events/batch", body: many)
            #expect(tooMany.status == .contentTooLarge)
            #expect(tooMany.errorFields == ["body"])

            let huge = "[" + String(repeating: " ", count: 8 * 1024 * 1024) + "]"
            let tooBig = try await api.send(.post, "/v1/events/batch", body: huge)
            #expect(tooBig.status == .contentTooLarge)

            let oneBig =
                #"[{"action":"doc.view"},{"action":"doc.view","metadata":{"#
                + (0..<10).map { #""k\#($0)":"\#(String(repeating: "x", count: 8000))""# }.joined(separator: ",") + "}}]"
            let eventTooBig = try await api.send(.post, "/v1/events/batch", body: oneBig)
            #expect(eventTooBig.status == .contentTooLarge)
            #expect(eventTooBig.errorFields == ["[1]"])

            let list = try await api.send(.get, "/v1/events?action=doc.view")
            #expect(list.json["events"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test(arguments: TestStore.available) func batchResendsAreNotCountedAsAccepted(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            let body = #"[{"id":"0193f7e2-6c1a-7b0e-9d3c-2a1b4c5d6e7f","action":"doc.view"},{"action":"doc.edit"}]"#
            let first = try await api.send(.post, "/v1/events/batch", body: body)
            #expect(first.json["accepted"]?.int64Value == 2)
            let resend = try await api.send(
                .post,
                "/v1/events/batch",
                body: #"[{"id":"0193f7e2-6c1a-7b0e-9d3c-2a1b4c5d6e7f","action":"doc.view"}]"#
            )
            #expect(resend.status == .ok)
            #expect(resend.json["accepted"]?.int64Value == 0)
            #expect(resend.json["first_seq"] == .null)
        }
    }
}
