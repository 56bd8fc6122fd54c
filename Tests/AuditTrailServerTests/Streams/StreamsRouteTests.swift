import AuditTrail
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import AuditTrailServer

/// `POST/GET/DELETE /v1/streams`: definitions checked field by field, admin only, recorded, kept
/// in the store (on both stores), secrets shown once, deleted streams gone everywhere.
@Suite struct StreamsRouteTests {
    static let webhook = #"{"type":"webhook","url":"https://siem.example/ingest"}"#

    static let badBodies: [(String, String)] = [
        (#"{"destination":\#(webhook)}"#, "name"),
        (#"{"name":"a"}"#, "destination"),
        (#"{"name":"a","destination":{"type":"webhook","url":"http://siem.example/x"}}"#, "destination.url"),
        (#"{"name":"a","destination":{"type":"webhook","url":"ftp://127.0.0.1/x"}}"#, "destination.url"),
        (#"{"name":"a","destination":{"type":"webhook","url":"https://u:p@siem.example/x"}}"#, "destination.url"),
        (#"{"name":"a","destination":{"type":"webhook","url":"https://siem.example/x","secret":"short"}}"#, "destination.secret"),
        (#"{"name":"a","destination":{"type":"pigeon"}}"#, "destination.type"),
        (#"{"name":"a","destination":{"type":"files","directory":"../etc"}}"#, "destination.directory"),
        (#"{"name":"a","destination":{"type":"files","directory":"/tmp/x"}}"#, "destination.directory"),
        (#"{"name":"a","destination":{"type":"files","directory":"x","extra":1}}"#, "destination.extra"),
        (#"{"name":"a","format":"json","destination":{"type":"syslog","host":"127.0.0.1","port":514}}"#, "destination.type"),
        (#"{"name":"a","destination":{"type":"syslog","host":"127.0.0.1","port":70000}}"#, "destination.port"),
        (#"{"name":"a","destination":{"type":"syslog","host":"a b","transport":"udp"}}"#, "destination.host"),
        (#"{"name":"a","format":"xml","destination":\#(webhook)}"#, "format"),
        (#"{"name":"a","filters":{"action":"x","limit":"5"},"destination":\#(webhook)}"#, "filters.limit"),
        (#"{"name":"a","filters":{"outcome":"maybe"},"destination":\#(webhook)}"#, "filters.outcome"),
        (#"{"name":"a","filters":{"format":"csv"},"destination":\#(webhook)}"#, "filters.format"),
        (#"{"name":"a","filters":{"q":"action:"},"destination":\#(webhook)}"#, "filters.q"),
        (#"{"name":"a","filters":{"action":1},"destination":\#(webhook)}"#, "filters.action"),
        (#"{"name":"a","batch_events":0,"destination":\#(webhook)}"#, "batch_events"),
        (#"{"name":"a","linger_ms":60001,"destination":\#(webhook)}"#, "linger_ms"),
        (#"{"name":"a","start":"yesterday","destination":\#(webhook)}"#, "start"),
        (#"{"name":"a","destination":\#(webhook),"color":"red"}"#, "color"),
        (#"["a"]"#, "body"),
    ]

    @Test("a bad definition is a 400 naming the field", arguments: badBodies)
    func badDefinitionsNameTheField(body: String, field: String) async throws {
        try await withServer { _, api in
            let reply = try await api.send(.post, "/v1/streams", body: body)
            #expect(reply.status == .badRequest, "\(reply.text)")
            #expect(reply.errorFields.contains(field), "\(field): \(reply.text)")
            #expect(try await api.send(.get, "/v1/streams").json["streams"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test("only an admin manages streams")
    func onlyAnAdmin() async throws {
        try await withServer { _, api in
            for role in ["auditor", "writer", "viewer"] {
                let key = try await api.createKey(role: role, subject: role == "viewer" ? "u-1" : nil)
                let body = #"{"name":"a","destination":\#(Self.webhook)}"#
                #expect(try await api.send(.post, "/v1/streams", key: key.secret, body: body).status == .forbidden)
                #expect(try await api.send(.get, "/v1/streams", key: key.secret).status == .forbidden)
                #expect(try await api.send(.delete, "/v1/streams/str_0011223344556677", key: key.secret).status == .forbidden)
            }
            #expect(try await api.send(.get, "/v1/streams", key: nil).status == .unauthorized)
        }
    }

    @Test("create, list and delete: recorded, the secret shown once, the stream gone after", arguments: TestStore.available)
    func createListDelete(store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            _ = try await api.ingest(#"{"action":"user.login"}"#)
            let created = try await api.send(
                .post,
                "/v1/streams",
                body:
                    #"{"name":"siem","format":"cef","filters":{"action":"user.*","q":"outcome:failure"},"destination":{"type":"webhook","url":"https://siem.example/in","timeout_seconds":5},"batch_events":50,"start":"now"}"#
            )
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.json["id"]?.stringValue)
            #expect(id.hasPrefix("str_") && id.count == 20)
            let secret = try #require(created.json["secret"]?.stringValue)
            #expect(secret.count >= 32)
            #expect(created.json["start_after"] == .int(1))
            #expect(created.json["filters"] == ["action": "user.*", "q": "outcome:failure"])
            #expect(created.json["destination"] == ["type": "webhook", "url": "https://siem.example/in", "timeout_seconds": 5])
            #expect(created.json["status"]?["delivered_through"] == .int(1))

            let listed = try await api.send(.get, "/v1/streams")
            #expect(listed.status == .ok)
            let streams = try #require(listed.json["streams"]?.arrayValue)
            #expect(streams.count == 1 && streams[0]["id"]?.stringValue == id && streams[0]["format"] == "cef")
            #expect(!listed.text.contains(secret), "a secret is shown once")
            #expect(streams[0]["status"]?["state"] != nil)

            let given = try await api.send(
                .post,
                "/v1/streams",
                body: #"{"name":"files","destination":{"type":"files","directory":"siem/a","keep":10}}"#
            )
            #expect(given.status == .created && given.json["secret"] == nil && given.json["start_after"] == .int(0), "\(given.text)")

            #expect(try await api.send(.delete, "/v1/streams/\(id)").status == .noContent)
            #expect(try await api.send(.delete, "/v1/streams/\(id)").status == .notFound)
            #expect(try await api.send(.delete, "/v1/streams/str_nope").status == .notFound)
            let after = try #require(try await api.send(.get, "/v1/streams").json["streams"]?.arrayValue)
            #expect(after.map { $0["name"] } == ["files"])

            let records = try await api.send(.get, "/v1/events?q=action:audit.stream.*&order=asc")
            let events = try #require(records.json["events"]?.arrayValue)
            #expect(events.map { $0["action"]?.stringValue } == ["audit.stream.created", "audit.stream.created", "audit.stream.deleted"])
            #expect(events[0]["resource"]?["id"]?.stringValue == id)
            #expect(events[0]["metadata"]?["destination"]?["url"]?.stringValue == "https://siem.example/in")
            #expect(!records.text.contains(secret), "the secret is not recorded")
        }
    }

    @Test("a producer cannot record stream events")
    func streamActionsAreReserved() async throws {
        try await withServer { _, api in
            let writer = try await api.createKey(role: "writer")
            for action in ["audit.stream.created", "audit.stream.recovered", "security.alert"] {
                let reply = try await api.ingest(#"{"action":"\#(action)"}"#, key: writer.secret)
                #expect(reply.status == .badRequest && reply.errorFields == ["action"], "\(reply.text)")
            }
        }
    }
}
