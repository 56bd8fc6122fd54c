import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct ActorAndAddressTests {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwarded = HTTPField.Name("Forwarded")!

    @Test func actorSetByAnInnerAuthenticatorReachesTheEvent() async throws {
        let sink = CollectingSink()
        let router = Router(context: UserContext.self)
        router.add(middleware: AuditMiddleware(sink: sink))
        router.add(middleware: HeaderAuthenticator())
        router.add(middleware: AuditActorMiddleware())
        router.post("/notes") { _, _ in Response(status: .created) }
        try await withApp(router) { client in
            _ = try await client.executeRequest(uri: "/notes", method: .post, headers: [HeaderAuthenticator.header: "alice"], body: nil)
            // The authenticator's own 401 happens inside the audit middleware, so it is recorded too.
            let refused = try await client.executeRequest(uri: "/notes", method: .post, headers: [HeaderAuthenticator.header: "nobody"], body: nil)
            #expect(refused.status == .unauthorized)
        }
        let events = sink.inputs
        #expect(events.count == 2)
        #expect(events.first?.actor?.id == "alice")
        #expect(events.first?.actor?.sessionID == "session-of-alice")
        #expect(events.last?.actor?.id == nil)
        #expect(events.last?.outcome == .denied)
    }

    @Test func actorOfTheContextWhenAuthenticationIsOutside() async throws {
        let sink = CollectingSink()
        let router = Router(context: UserContext.self)
        router.add(middleware: HeaderAuthenticator())
        router.add(middleware: AuditMiddleware(sink: sink))  // the protocol's init: no closure
        router.delete("/notes/{id}") { _, _ in Response(status: .noContent) }
        try await withApp(router) { client in
            _ = try await client.executeRequest(uri: "/notes/7", method: .delete, headers: [HeaderAuthenticator.header: "bob"], body: nil)
        }
        let event = try sink.only()
        #expect(event.action == "data.delete")
        #expect(event.actor?.id == "bob")
        #expect(event.actor?.type == "user")
    }

    @Test func handlerNamesTheActorOfALogin() async throws {
        let sink = CollectingSink()
        let router = Router()
        router.add(
            middleware: AuditMiddleware(sink: sink) { request, _ in
                request.headers[HeaderAuthenticator.header].map { AuditEvent.Actor(id: $0) }
            }
        )
        router.post("/login") { _, _ -> Response in
            AuditActorScope.record(.init(id: "u-7", name: "carol", type: "user"))
            return Response(status: .ok)
        }
        router.post("/other") { _, _ in Response(status: .ok) }
        try await withApp(router) { client in
            _ = try await client.executeRequest(uri: "/login", method: .post, headers: [HeaderAuthenticator.header: "ignored"], body: nil)
            _ = try await client.executeRequest(uri: "/other", method: .post, headers: [HeaderAuthenticator.header: "dave"], body: nil)
        }
        let events = sink.inputs
        #expect(events.map(\.action) == ["auth.login", "data.create"])
        #expect(events.first?.actor?.name == "carol")  // the scope wins over the closure
        #expect(events.last?.actor?.id == "dave")  // the closure, read after the handler
    }

    /// One live request from 127.0.0.1 with `headers`; the recorded actor IP.
    func liveIP(trusting proxies: [String], headers: HTTPFields) async throws -> String? {
        let sink = CollectingSink()
        var configuration = AuditMiddleware<UserContext>.Configuration()
        configuration.trustedProxies = proxies.compactMap { AuditCIDR($0) }
        let router = Router(context: UserContext.self)
        router.add(middleware: AuditMiddleware(sink: sink, configuration: configuration))
        router.post("/x") { _, _ in Response(status: .ok) }
        try await withApp(router, setup: .live) { client in
            _ = try await client.executeRequest(uri: "/x", method: .post, headers: headers, body: nil)
        }
        return try sink.only().actor?.ip
    }

    @Test func forwardedHeadersAreIgnoredFromAnUntrustedPeer() async throws {
        #expect(try await liveIP(trusting: [], headers: [Self.forwardedFor: "203.0.113.9"]) == "127.0.0.1")
        #expect(try await liveIP(trusting: ["10.0.0.0/8"], headers: [Self.forwardedFor: "203.0.113.9"]) == "127.0.0.1")
        #expect(try await liveIP(trusting: [], headers: [:]) == "127.0.0.1")
    }

    @Test func forwardedHeadersFromATrustedPeerGiveTheRightmostUntrustedHop() async throws {
        let trusted = ["127.0.0.0/8", "10.0.0.0/8"]
        // The client may put anything on the left; the right-most hop not a proxy is the client.
        #expect(try await liveIP(trusting: trusted, headers: [Self.forwardedFor: "1.1.1.1, 203.0.113.9, 10.0.0.5"]) == "203.0.113.9")
        #expect(
            try await liveIP(trusting: trusted, headers: [Self.forwarded: #"for=198.51.100.7;proto=https, for="[2001:db8::1]:4711""#])
                == "2001:db8::1"
        )
        #expect(try await liveIP(trusting: trusted, headers: [Self.forwarded: "for=198.51.100.7:8080, for=10.0.0.9"]) == "198.51.100.7")
        // All hops trusted: the left-most. A garbled chain: only the peer is believed.
        #expect(try await liveIP(trusting: trusted, headers: [Self.forwardedFor: "10.1.1.1, 10.0.0.5"]) == "10.1.1.1")
        #expect(try await liveIP(trusting: trusted, headers: [Self.forwardedFor: "not-an-ip, 10.0.0.5"]) == "127.0.0.1")
    }
}
