import AuditTrail
import AuditTrailHummingbird
import AuditTrailSQLite
import HTTPTypes
import Testing

@testable import AuditTrailServer

/// Issue 12, findings 1 and 2: a writer cannot forge the server's own records, every event names
/// the key that ingested it (proven), and a client id is idempotent per key.
@Suite struct ProducerIdentityTests {
    static let reservedActions = ["audit.query", "audit.export", "audit.key.revoked", "audit.retention.run", "audit.anything_new", "security.alert"]

    @Test(arguments: reservedActions)
    func aWriterCannotForgeTheServersOwnRecords(action: String) async throws {
        try await withServer { _, api in
            let writer = try await api.createKey(role: "writer")
            let forged = #"{"action":"\#(action)","actor":{"id":"env-admin","type":"api_key"}}"#
            let single = try await api.ingest(forged, key: writer.secret)
            #expect(single.status == .badRequest)
            #expect(single.errorFields == ["action"])
            let batch = try await api.send(.post, "/v1/events/batch", key: writer.secret, body: "[\(forged)]")
            #expect(batch.status == .badRequest)
            #expect(batch.errorFields == ["[0].action"])
            let stored = try await api.send(.get, "/v1/events?action=\(action)")
            #expect(stored.json["events"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func aProducerCannotClaimWhoIngestedItsEvent() async throws {
        try await withServer { _, api in
            let reply = try await api.ingest(#"{"action":"doc.view","ingested_by":"server"}"#)
            #expect(reply.status == .badRequest)
            #expect(reply.errorFields == ["ingested_by"])
        }
    }

    @Test(arguments: TestStore.available) func everyEventNamesTheKeyThatIngestedItInItsCanonicalBytes(_ store: TestStore) async throws {
        try await withServer(on: store) { server, api in
            let writer = try await api.createKey(role: "writer")
            let posted = try await api.ingest(#"{"action":"doc.view","actor":{"id":"u-1"}}"#, key: writer.secret)
            let id = try #require(posted.json["id"]?.stringValue)
            let batch = try await api.send(.post, "/v1/events/batch", key: writer.secret, body: #"[{"action":"doc.edit"}]"#)
            #expect(batch.status == .created)
            let event = try await api.send(.get, "/v1/events/\(id)")
            #expect(event.json["ingested_by"]?.stringValue == writer.id)
            let edits = try await api.send(.get, "/v1/events?action=doc.edit")
            #expect(edits.json["events"]?.arrayValue?.first?["ingested_by"]?.stringValue == writer.id)
            // The server's own records say so: the key creation above, and the reads.
            let created = try await api.send(.get, "/v1/events?action=audit.key.created")
            #expect(created.json["events"]?.arrayValue?.first?["ingested_by"]?.stringValue == "server")
            // It is in the canonical bytes the chain and the tree cover.
            let stored = try #require(try await server.store.event(id: id))
            #expect(String(decoding: stored.canonical, as: UTF8.self).contains(#""ingested_by":"\#(writer.id)""#))
            let verify = try await api.send(.post, "/v1/verify", body: "{}")
            #expect(verify.json["ok"] == .bool(true))
        }
    }

    @Test func aResendByTheSameKeyIsIdempotent() async throws {
        try await withServer { _, api in
            let writer = try await api.createKey(role: "writer")
            let body = #"{"id":"0193f7e2-6c1a-7b0e-9d3c-2a1b4c5d6e01","action":"doc.view"}"#
            let first = try await api.ingest(body, key: writer.secret)
            let again = try await api.ingest(body, key: writer.secret)
            #expect(first.status == .created)
            #expect(again.status == .ok)
            #expect(again.json["seq"] == first.json["seq"])
        }
    }

    @Test(arguments: TestStore.available) func anotherKeysEventWithAStoredIDIsRefusedWith409AndLearnsNothing(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            let a = try await api.createKey(role: "writer", name: "a")
            let b = try await api.createKey(role: "writer", name: "b")
            let id = "0193f7e2-6c1a-7b0e-9d3c-2a1b4c5d6e02"
            let first = try await api.ingest(#"{"id":"\#(id)","action":"doc.view","actor":{"id":"from-a"}}"#, key: a.secret)
            #expect(first.status == .created)
            let hash = try #require(first.json["hash"]?.stringValue)
            let clash = try await api.ingest(#"{"id":"\#(id)","action":"doc.delete","actor":{"id":"from-b"}}"#, key: b.secret)
            #expect(clash.status == .conflict)
            #expect(clash.errorFields == ["id"])
            #expect(!clash.text.contains(hash))
            #expect(clash.json["seq"] == nil)
            // A batch holding the id stores nothing, not even its other events.
            let batch = try await api.send(
                .post,
                "/v1/events/batch",
                key: b.secret,
                body: #"[{"action":"doc.create"},{"id":"\#(id)","action":"doc.delete"}]"#
            )
            #expect(batch.status == .conflict)
            for action in ["doc.delete", "doc.create"] {
                let list = try await api.send(.get, "/v1/events?action=\(action)")
                #expect(list.json["events"]?.arrayValue?.isEmpty == true)
            }
            // A's event is untouched and B can still write.
            let stored = try await api.send(.get, "/v1/events/\(id)")
            #expect(stored.json["actor"]?["id"]?.stringValue == "from-a")
            #expect(try await api.ingest(#"{"action":"doc.create"}"#, key: b.secret).status == .created)
        }
    }
}
