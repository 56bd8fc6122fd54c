import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import NotesApp

/// The example app end to end over a real socket: every request lands on its embedded audit log,
/// which its own admin routes read and verify.
@Suite("Notes example app", .timeLimit(.minutes(2)))
struct NotesAppTests {
    static let logger = Logger(label: "notes-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    static func withApp(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "notes-app-tests-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = NotesConfiguration()
        configuration.port = 0
        configuration.auditDirectory = directory
        let app = try await buildNotesApplication(configuration: configuration, logger: logger)
        try await app.test(.live) { client in try await body(client) }
    }

    static func json(_ buffer: ByteBuffer) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))
    }

    static func send(
        _ client: any TestClientProtocol,
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String? = nil,
        body: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    static func login(_ client: any TestClientProtocol, _ name: String) async throws -> String {
        let response = try await send(client, .post, "/login", body: #"{"username":"\#(name)","password":"\#(name)-password"}"#)
        #expect(response.status == .ok)
        let object = try #require(try json(response.body) as? [String: String])
        return try #require(object["token"])
    }

    /// The events the audit routes return, waiting (bounded) for `count` of them: requests are
    /// recorded fail-open, so the last ones may still be in the writer's queue.
    static func events(_ client: any TestClientProtocol, admin: String, atLeast count: Int) async throws -> [[String: Any]] {
        for _ in 0..<200 {
            let response = try await send(client, .get, "/audit/events?order=asc&limit=1000&q=-action:audit.query", token: admin)
            #expect(response.status == .ok)
            let object = try #require(try json(response.body) as? [String: Any])
            let events = try #require(object["events"] as? [[String: Any]])
            if events.count >= count { return events }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("fewer than \(count) events were recorded")
        return []
    }

    @Test func loginCRUDAndAdminActionsAreRecordedAndVerify() async throws {
        try await Self.withApp { client in
            #expect(try await Self.send(client, .post, "/login", body: #"{"username":"bob","password":"guess"}"#).status == .unauthorized)
            let bob = try await Self.login(client, "bob")
            let alice = try await Self.login(client, "alice")

            #expect(try await Self.send(client, .post, "/notes", token: bob, body: #"{"title":"Q3","body":"plan"}"#).status == .created)
            #expect(try await Self.send(client, .get, "/notes/1", token: bob).status == .ok)
            #expect(try await Self.send(client, .put, "/notes/1", token: bob, body: #"{"title":"Q4","body":"plan"}"#).status == .ok)
            #expect(try await Self.send(client, .delete, "/notes/1", token: bob).status == .noContent)
            #expect(try await Self.send(client, .get, "/audit/events", token: bob).status == .forbidden)
            #expect(try await Self.send(client, .post, "/admin/users/u-bob/role", token: bob, body: #"{"role":"admin"}"#).status == .forbidden)
            #expect(try await Self.send(client, .post, "/admin/users/u-bob/role", token: alice, body: #"{"role":"admin"}"#).status == .ok)

            // 1 failed + 2 logins, create, update (request + before/after), delete, 2 denials,
            // the admin request and the role change. The successful GET is not recorded (reads off).
            let events = try await Self.events(client, admin: alice, atLeast: 11)
            let actions = events.compactMap { $0["action"] as? String }
            #expect(
                actions == [
                    "auth.login.failure", "auth.login", "auth.login", "data.create", "data.update", "data.update", "data.delete",
                    "authz.denied", "authz.denied", "authz.role.changed", "admin.action",
                ]
            )
            let failure = events[0]
            #expect(failure["outcome"] as? String == "failure")
            #expect((failure["actor"] as? [String: Any])?["name"] as? String == "bob")
            #expect(((events[3]["actor"] as? [String: Any])?["id"] as? String) == "u-bob")
            let change = try #require(events.first { $0["action"] as? String == "authz.role.changed" })
            #expect((change["changes"] as? [String: Any])?["before"] as? [String] == ["member"])
            #expect((change["actor"] as? [String: Any])?["id"] as? String == "u-alice")

            let verified = try await Self.send(client, .post, "/audit/verify", token: alice, body: "{}")
            #expect(verified.status == .ok)
            #expect((try Self.json(verified.body) as? [String: Any])?["ok"] as? Bool == true)
        }
    }

    @Test func theCorrelationIDIsEchoedAndRecorded() async throws {
        try await Self.withApp { client in
            let alice = try await Self.login(client, "alice")
            let response = try await Self.send(
                client,
                .post,
                "/notes",
                token: alice,
                body: #"{"title":"t","body":"b"}"#,
                headers: [HTTPField.Name("X-Correlation-ID")!: "order-1234"]
            )
            #expect(response.headers[HTTPField.Name("X-Correlation-ID")!] == "order-1234")
            let events = try await Self.events(client, admin: alice, atLeast: 2)
            let created = try #require(events.first { $0["action"] as? String == "data.create" })
            #expect((created["request"] as? [String: Any])?["correlation_id"] as? String == "order-1234")
        }
    }
}
