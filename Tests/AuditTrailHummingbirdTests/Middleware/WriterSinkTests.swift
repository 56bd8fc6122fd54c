import AuditTrail
import AuditTrailHummingbird
import AuditTrailSQLite
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct WriterSinkTests {
    @Test func eventsReachASQLiteStoreThroughTheWriterSink() async throws {
        try await withSQLiteSink { store, _, sink in
            let router = Router(context: UserContext.self)
            router.add(middleware: AuditMiddleware(sink: sink))
            router.add(middleware: HeaderAuthenticator())
            router.add(middleware: AuditActorMiddleware())
            router.post("/login") { _, context -> Response in
                Response(status: context.user == nil ? .unauthorized : .ok)
            }
            router.delete("/admin/users/{id}") { _, _ in Response(status: .noContent) }
            try await withApp(router) { client in
                _ = try await client.executeRequest(uri: "/login?code=s3cret", method: .post, headers: [:], body: nil)
                _ = try await client.executeRequest(uri: "/admin/users/9", method: .delete, headers: [HeaderAuthenticator.header: "root"], body: nil)
            }
            try await waitForHead(store, atLeast: 2)
            let page = try await store.events(matching: AuditQuery(parameters: [("order", "asc")]))
            let events = try page.events.map { try $0.decoded() }
            #expect(events.map(\.action) == ["auth.login.failure", "data.delete"])
            #expect(events[0].request?.path == "/login?code=[REDACTED]")
            #expect(events[0].outcome == .failure)
            #expect(events[1].actor?.id == "root")
            #expect(events[1].severity == .warning)
            #expect(events[1].tags.contains("risk:sensitive_endpoint"))
            // Risk tags are searchable with the existing filters.
            let tagged = try await store.events(matching: AuditQuery(parameters: [("tag", "risk:sensitive_endpoint")]))
            #expect(tagged.events.count == 2)
            let searched = try await store.events(matching: AuditQuery(parameters: [("q", "tag:risk:sensitive_endpoint action:data.delete")]))
            #expect(searched.events.count == 1)
        }
    }
}
