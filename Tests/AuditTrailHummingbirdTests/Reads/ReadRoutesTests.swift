import AuditTrail
import AuditTrailHummingbird
import AuditTrailSQLite
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite struct ReadRoutesTests {
    /// An app mounting the read routes at `/admin/audit` behind `X-User` authentication: `admin`
    /// reads everything and verifies, `viewer` sees only its own events, anyone else gets 403.
    func withReadApp(_ body: @escaping @Sendable (SQLiteAuditStore, AuditWriterSink, any TestClientProtocol) async throws -> Void) async throws {
        try await withSQLiteSink { store, _, sink in
            let signer = try AuditSigner.generate(name: "test.example")
            let checkpointer = try AuditCheckpointer(
                store: store,
                signer: signer,
                origin: "test.example",
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
            )
            let reads = AuditReadRoutes<UserContext>(store: store, publicKey: signer.publicKey, recorder: sink, mountPath: "/admin/audit") {
                route,
                _,
                context in
                guard let user = context.user else { throw AuditProblem.unauthorized("sign in first") }
                let actor = AuditEvent.Actor(id: user, type: "user")
                switch user {
                case "admin": return AuditReadAccess(actor: actor)
                case "viewer" where !route.needsVerifyRight: return AuditReadAccess(actor: actor, visibleActorID: "viewer")
                default: throw AuditProblem.forbidden("\(user) cannot \(route.activity)")
                }
            }
            let router = Router(context: UserContext.self)
            router.group("/admin/audit").add(middleware: HeaderAuthenticator()).addRoutes(reads.routeCollection)
            for (index, actor) in ["viewer", "u-2", "viewer"].enumerated() {
                try sink.enqueue(AuditEventInput(action: "doc.view", actor: .init(id: actor), resource: .init(type: "doc", id: "\(index)")))
            }
            try await waitForHead(store, atLeast: 3)
            _ = try await checkpointer.checkpoint()
            try await withApp(router) { client in try await body(store, sink, client) }
        }
    }

    func get(_ client: any TestClientProtocol, _ uri: String, as user: String?, method: HTTPRequest.Method = .get) async throws -> TestResponse {
        try await client.executeRequest(
            uri: "/admin/audit" + uri,
            method: method,
            headers: user.map { [HeaderAuthenticator.header: $0] } ?? [:],
            body: nil
        )
    }

    func json(_ response: TestResponse) throws -> JSONValue { try JSONParser.parse(response.body.readableBytesView) }

    @Test func queryAndGetAnswerLikeTheServer() async throws {
        try await withReadApp { store, _, client in
            let all = try await get(client, "/events?action=doc.view&order=asc&limit=2", as: "admin")
            #expect(all.status == .ok)
            let body = try json(all)
            #expect(body["events"]?.arrayValue?.count == 2)
            #expect(body["next_cursor"]?.stringValue != nil)
            let id = try #require(body["events"]?.arrayValue?.first?["id"]?.stringValue)
            let one = try await get(client, "/events/\(id)", as: "admin")
            #expect(try json(one)["seq"] == .int(1))
            // The viewer sees only its own events; another actor's event is a 404.
            let mine = try json(try await get(client, "/events", as: "viewer"))
            #expect(mine["events"]?.arrayValue?.allSatisfy { $0["actor"]?["id"]?.stringValue == "viewer" } == true)
            #expect(mine["events"]?.arrayValue?.count == 2)
            let other = try #require(try await store.events(matching: AuditQuery(parameters: [("actor", "u-2")])).events.first)
            #expect(try await get(client, "/events/\(other.decoded().id)", as: "viewer").status == .notFound)
            // Each read was recorded as audit.query, naming the mounted route.
            try await waitForHead(store, atLeast: 7)
            let reads = try await store.events(matching: AuditQuery(parameters: [("action", "audit.query"), ("order", "asc")]))
            #expect(try reads.events.first?.decoded().resource?.id == "GET /admin/audit/events")
            #expect(try reads.events.first?.decoded().actor?.id == "admin")
        }
    }

    @Test func refusalsAndBadParametersAreProblems() async throws {
        try await withReadApp { _, _, client in
            let anonymous = try await get(client, "/events", as: nil)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.contentType] == AuditProblem.contentType)
            let stranger = try await get(client, "/stats", as: "mallory")
            #expect(stranger.status == .forbidden)
            #expect(try json(stranger)["detail"]?.stringValue == "mallory cannot read events")
            let unknown = try await get(client, "/events?colour=red", as: "admin")
            #expect(unknown.status == .badRequest)
            #expect(try json(unknown)["errors"]?.arrayValue?.first?["field"]?.stringValue == "colour")
            #expect(try await get(client, "/verify", as: "viewer", method: .post).status == .forbidden)
        }
    }

    @Test func statsVerifyAndProofsAnswer() async throws {
        try await withReadApp { _, _, client in
            let stats = try json(try await get(client, "/stats?action=doc.view", as: "admin"))
            #expect(stats["total"] == .int(3))
            #expect(stats["by_action"]?["doc.view"] == .int(3))
            let verify = try json(try await get(client, "/verify", as: "admin", method: .post))
            #expect(verify["ok"] == .bool(true))
            let checkpoint = try json(try await get(client, "/checkpoints/latest", as: "admin"))
            #expect(checkpoint["tree_size"] == .int(3))
            let inclusion = try json(try await get(client, "/proofs/inclusion?seq=2&tree_size=3", as: "admin"))
            #expect(inclusion["leaf_index"] == .int(1))
            #expect(inclusion["audit_path"]?.arrayValue?.count == 2)
            let consistency = try json(try await get(client, "/proofs/consistency?from=1&to=3", as: "admin"))
            #expect(consistency["proof"]?.arrayValue?.isEmpty == false)
            let tooBig = try await get(client, "/proofs/inclusion?seq=1&tree_size=999", as: "admin")
            #expect(tooBig.status == .notFound, "no tree of 999 events yet")
            let levels = try json(try await get(client, "/severities", as: "viewer"))
            #expect(levels["severities"]?.arrayValue?.count == 5)
        }
    }
}
