import AuditTrail
import AuditTrailHummingbird
import Foundation
import HTTPTypes
import Testing

@testable import AuditTrailServer

@Suite struct AccessTests {
    enum Caller: String, CaseIterable, Sendable {
        case admin, auditor, writer, viewer, noKey, unknownKey, revokedKey
    }

    /// One request per route, valid apart from who sends it, and the status each caller gets.
    struct Case: Sendable {
        var method: HTTPRequest.Method
        var uri: String
        var body: String?
        var expected: [Caller: Int]
    }

    static func expectations(eventID: String) -> [Case] {
        let readers: [Caller: Int] = [.admin: 200, .auditor: 200, .writer: 403, .viewer: 200]
        let ingest: [Caller: Int] = [.admin: 201, .auditor: 403, .writer: 201, .viewer: 403]
        let adminOnly: (Int) -> [Caller: Int] = { [.admin: $0, .auditor: 403, .writer: 403, .viewer: 403] }
        return [
            Case(method: .post, uri: "/v1/events", body: #"{"action":"doc.view","actor":{"id":"u-1"}}"#, expected: ingest),
            Case(method: .post, uri: "/v1/events/batch", body: #"[{"action":"doc.view"}]"#, expected: ingest),
            Case(method: .get, uri: "/v1/events", expected: readers),
            Case(method: .get, uri: "/v1/events/\(eventID)", expected: readers),
            Case(method: .get, uri: "/v1/stats", expected: readers),
            Case(method: .get, uri: "/v1/export", expected: [.admin: 200, .auditor: 200, .writer: 403, .viewer: 403]),
            Case(method: .get, uri: "/v1/event-types", expected: readers),
            Case(method: .get, uri: "/v1/severities", expected: readers),
            Case(method: .post, uri: "/v1/keys", body: #"{"name":"x","role":"writer"}"#, expected: adminOnly(201)),
            Case(method: .get, uri: "/v1/keys", expected: adminOnly(200)),
            Case(method: .delete, uri: "/v1/keys/{fresh}", expected: adminOnly(204)),
            Case(method: .get, uri: "/v1/checkpoints/latest", expected: readers),
            Case(method: .get, uri: "/v1/proofs/inclusion?seq=1&tree_size=1", expected: readers),
            Case(method: .get, uri: "/v1/proofs/consistency?from=1&to=1", expected: readers),
            Case(method: .post, uri: "/v1/verify", expected: [.admin: 200, .auditor: 200, .writer: 403, .viewer: 403]),
            Case(method: .get, uri: "/v1/retention", expected: adminOnly(200)),
            Case(method: .put, uri: "/v1/retention", body: #"{"days":30}"#, expected: adminOnly(200)),
        ]
    }

    @Test(arguments: TestStore.available) func everyRoleGetsTheExpectedStatusOnEveryRoute(_ store: TestStore) async throws {
        try await withServer(on: store) { server, api in
            let event = try await api.ingest(#"{"action":"doc.view","actor":{"id":"u-1"}}"#)
            try await server.checkpointer.checkpoint()
            let eventID = try #require(event.json["id"]?.stringValue)
            var secrets: [Caller: String?] = [.admin: adminSecret, .noKey: nil, .unknownKey: "atk_not-a-key-at-all"]
            secrets[.auditor] = try await api.createKey(role: "auditor").secret
            secrets[.writer] = try await api.createKey(role: "writer").secret
            secrets[.viewer] = try await api.createKey(role: "viewer", subject: "u-1").secret
            let revoked = try await api.createKey(role: "admin")
            #expect(try await api.send(.get, "/v1/keys", key: revoked.secret).status == .ok)
            #expect(try await api.send(.delete, "/v1/keys/\(revoked.id)").status == .noContent)
            secrets[.revokedKey] = revoked.secret

            for route in Self.expectations(eventID: eventID) {
                for caller in Caller.allCases {
                    var uri = route.uri
                    if uri.hasSuffix("{fresh}") {
                        uri = uri.replacingOccurrences(of: "{fresh}", with: try await api.createKey(role: "writer").id)
                    }
                    let reply = try await api.send(route.method, uri, key: secrets[caller] ?? nil, body: route.body)
                    let expected = route.expected[caller] ?? 401
                    #expect(Int(reply.status.code) == expected, "\(caller) \(route.method) \(route.uri): \(reply.text)")
                    if expected == 401 {
                        #expect(reply.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                    }
                    if expected >= 400 {
                        #expect(reply.headers[.contentType] == AuditProblem.contentType)
                    }
                }
            }
            for uri in ["/healthz", "/readyz", "/openapi.json"] {
                for caller in Caller.allCases {
                    #expect(try await api.send(.get, uri, key: secrets[caller] ?? nil).status == .ok, "\(caller) \(uri)")
                }
            }
        }
    }

    @Test func xAPIKeyHeaderAuthenticatesToo() async throws {
        try await withServer { _, api in
            let reply = try await api.send(.get, "/v1/severities", key: nil, headers: [HTTPField.Name("X-API-Key")!: adminSecret])
            #expect(reply.status == .ok)
        }
    }

    /// The scheme in any case and spaces before the token pass; no token, a token with a space,
    /// another scheme, an empty `X-API-Key` or one byte off do not (401). A key created over the
    /// API and one stored by the CLI's hash (`AuditAPIKey.hash`) both authenticate.
    @Test func authorizationHeaderForms() async throws {
        try await withServer { _, api in
            let created = try await api.createKey(role: "admin").secret
            var forms: [(String, HTTPFields, HTTPResponse.Status)] = [
                ("lower-case scheme", [.authorization: "bearer \(created)"], .ok),
                ("upper-case scheme, spaces", [.authorization: "BEARER    \(created)"], .ok),
                ("environment key", [.authorization: "Bearer \(adminSecret)"], .ok),
                ("no token", [.authorization: "Bearer"], .unauthorized),
                ("only spaces", [.authorization: "Bearer    "], .unauthorized),
                ("a space inside", [.authorization: "Bearer \(created) x"], .unauthorized),
                ("another scheme", [.authorization: "Basic \(created)"], .unauthorized),
                ("scheme glued", [.authorization: "Bearer_\(created)"], .unauthorized),
                ("one byte off", [.authorization: "Bearer \(created.dropLast())x"], .unauthorized),
                ("empty X-API-Key", [HTTPField.Name("X-API-Key")!: ""], .unauthorized),
            ]
            forms.append(("X-API-Key", [HTTPField.Name("X-API-Key")!: created], .ok))
            for (name, headers, status) in forms {
                #expect(try await api.send(.get, "/v1/severities", key: nil, headers: headers).status == status, "\(name)")
            }
        }
        // SHA-256("abc"), FIPS 180-2: the stored form is the hex of the digest the server compares.
        #expect(AuditAPIKey.hash(secret: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(AuditAPIKey.digest(secret: "abc".dropFirst(0)).hex == AuditAPIKey.hash(secret: "abc"))
    }

    @Test(arguments: TestStore.available) func revocationTakesEffectAtOnceDespiteTheCache(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            let writer = try await api.createKey(role: "writer")
            #expect(try await api.ingest(#"{"action":"doc.view"}"#, key: writer.secret).status == .created)
            #expect(try await api.send(.delete, "/v1/keys/\(writer.id)").status == .noContent)
            #expect(try await api.ingest(#"{"action":"doc.view"}"#, key: writer.secret).status == .unauthorized)
            #expect(try await api.send(.delete, "/v1/keys/\(writer.id)").status == .notFound)
        }
    }

    @Test(arguments: TestStore.available) func keysAreListedWithoutSecretsAndTheirLifecycleIsLogged(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            let created = try await api.createKey(role: "viewer", subject: "u-9", name: "dash")
            #expect(try await api.send(.delete, "/v1/keys/\(created.id)").status == .noContent)
            let list = try await api.send(.get, "/v1/keys")
            #expect(!list.text.contains(created.secret))
            let key = list.json["keys"]?.arrayValue?.first { $0["id"]?.stringValue == created.id }
            #expect(key?["name"]?.stringValue == "dash")
            #expect(key?["subject"]?.stringValue == "u-9")
            #expect(key?["revoked_at"]?.stringValue != nil)

            let events = try await api.send(.get, "/v1/events?action=audit.key.*&order=asc")
            let logged = events.json["events"]?.arrayValue ?? []
            #expect(logged.compactMap { $0["action"]?.stringValue } == ["audit.key.created", "audit.key.revoked"])
            #expect(logged.allSatisfy { $0["resource"]?["id"]?.stringValue == created.id })
            #expect(logged.allSatisfy { $0["actor"]?["id"]?.stringValue == "env-admin" })
            #expect(!events.text.contains(created.secret))
        }
    }

    static let badKeyRequests: [(body: String, field: String)] = [
        (#"{"role":"writer"}"#, "name"),
        (#"{"name":"x","role":"root"}"#, "role"),
        (#"{"name":"x","role":"viewer"}"#, "subject"),
        (#"{"name":"x","role":"writer","subject":"u-1"}"#, "subject"),
        (#"{"name":"","role":"writer"}"#, "name"),
        (#"{"name":"x","role":"writer","scope":"all"}"#, "scope"),
        ("nope", "body"),
    ]

    @Test(arguments: badKeyRequests)
    func invalidKeyRequestNamesTheField(body: String, field: String) async throws {
        try await withServer { _, api in
            let reply = try await api.send(.post, "/v1/keys", body: body)
            #expect(reply.status == .badRequest)
            #expect(reply.errorFields.contains(field), "expected \(field) in \(reply.errorFields)")
        }
    }
}
