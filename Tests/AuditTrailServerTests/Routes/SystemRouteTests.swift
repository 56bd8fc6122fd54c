import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import AuditTrailServer

@Suite struct SystemRouteTests {
    @Test func healthAndReadinessAnswer() async throws {
        try await withServer { _, api in
            let health = try await api.send(.get, "/healthz", key: nil)
            #expect(health.json["status"]?.stringValue == "ok")
            _ = try await api.ingest(#"{"action":"doc.view"}"#)
            let ready = try await api.send(.get, "/readyz", key: nil)
            #expect(ready.status == .ok)
            #expect(ready.json["status"]?.stringValue == "ready")
            #expect(ready.json["seq"]?.int64Value == 1)
        }
    }

    @Test func openAPIDocumentMatchesTheRouter() async throws {
        try await withServer { server, api in
            let reply = try await api.send(.get, "/openapi.json", key: nil)
            #expect(reply.status == .ok)
            #expect(reply.json["openapi"]?.stringValue == "3.1.0")
            let paths = try #require(reply.json["paths"]?.objectValue)
            var documented = Set<String>()
            for (path, item) in paths {
                for method in item.objectValue?.keys ?? [:].keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            let routed = Set(server.routeTable.routes.map { "\($0.method.rawValue) \($0.template)" })
            #expect(documented == routed)
            #expect(routed.count == 22)

            let listParameters = paths["/v1/events"]?["get"]?["parameters"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(Set(listParameters) == Set(AuditQuery.filterParameters + AuditQuery.pagingParameters))
            // Every operation answers problems through the shared schema.
            #expect(reply.json["components"]?["schemas"]?["Problem"]?["required"]?.arrayValue?.count == 5)
        }
    }

    @Test func unknownPathAndWrongMethodAreProblemDetails() async throws {
        try await withServer { _, api in
            let missing = try await api.send(.get, "/nope")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == AuditProblem.contentType)
            for key in ["type", "title", "status", "detail", "errors"] { #expect(missing.json[key] != nil, "\(key)") }
            #expect(missing.json["status"]?.int64Value == 404)

            let wrongMethod = try await api.send(.delete, "/v1/events")
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "GET, POST")
            #expect(wrongMethod.headers[.contentType] == AuditProblem.contentType)
            #expect(wrongMethod.json["status"]?.int64Value == 405)
            #expect(wrongMethod.json["type"]?.stringValue?.hasPrefix("urn:audittrail:problem:") == true)

            let wrongOnTemplate = try await api.send(.put, "/v1/keys/key_123")
            #expect(wrongOnTemplate.status == .methodNotAllowed)
            #expect(wrongOnTemplate.headers[.allow] == "DELETE")
        }
    }

    @Test func theRootNamesTheProductAndLinksOnAsHTMLOrJSON() async throws {
        try await withServer { _, api in
            let page = try await api.send(.get, "/", key: nil)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy] == "default-src 'none'")
            for text in ["AuditTrail \(AuditAPI.productVersion)", #"href="/openapi.json""#, #"href="/healthz""#, "README.md#walk-through"] {
                #expect(page.text.contains(text), "missing \(text)")
            }
            #expect(!page.text.contains("<script"))
            let json = try await api.send(.get, "/", key: nil, headers: [.accept: "application/json"])
            #expect(json.status == .ok)
            #expect(json.json["name"] == "AuditTrail")
            #expect(json.json["version"] == .string(AuditAPI.productVersion))
            #expect(json.json["links"]?["openapi"] == "/openapi.json")
            #expect(json.json["links"]?["healthz"] == "/healthz")
            let post = try await api.send(.post, "/", key: nil, body: "{}")
            #expect(post.status == .methodNotAllowed)
        }
    }

    @Test func metricsExposeTheSeriesWhenOpened() async throws {
        let configure: (inout AuditServerConfiguration) -> Void = { $0.options.metricsFromAnyPeer = true }
        try await withServer(configure) { _, api in
            #expect(try await api.ingest(#"{"action":"doc.view"}"#).status == .created)
            _ = try await api.send(.get, "/nope")
            let reply = try await api.send(.get, "/metrics", key: nil)
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType]?.hasPrefix("text/plain") == true)
            for series in [
                "audittrail_events_ingested_total", "audittrail_commit_batch_events_bucket",
                "audittrail_commit_duration_seconds_bucket", "audittrail_writer_queue_depth_events",
                #"audittrail_http_requests_total{route="/v1/events",method="POST",status="201"} 1"#,
                #"audittrail_http_requests_total{route="unmatched",method="GET",status="404"} 1"#,
                #"audittrail_http_request_duration_seconds_bucket{route="/v1/events",method="POST""#,
            ] {
                #expect(reply.text.contains(series), "missing \(series)")
            }
        }
    }

    @Test func metricsAreRefusedToPeersThatAreNotLoopback() async throws {
        // The router test framework has no peer address, which is treated as not loopback.
        try await withServer { _, api in
            let reply = try await api.send(.get, "/metrics", key: nil)
            #expect(reply.status == .forbidden)
            #expect(reply.headers[.contentType] == AuditProblem.contentType)
        }
    }

    @Test func metricsAreServedToLoopbackPeersOverASocket() async throws {
        try await withServer(setup: .live) { _, api in
            let reply = try await api.send(.get, "/metrics", key: nil)
            #expect(reply.status == .ok)
            #expect(reply.text.contains("audittrail_writer_queue_depth_events"))
        }
    }

    @Test func overloadedWriterMapsTo503WithRetryAfter() {
        let problem = AuditProblem(AuditTrailError(.overloaded, "the write queue is full"))
        #expect(problem.status == .serviceUnavailable)
        #expect(problem.headers[.retryAfter] == "1")
        let tooLarge = AuditProblem(AuditTrailError(.tooLarge, "event too large", fieldErrors: [.init(field: "event", message: "x")]))
        #expect(tooLarge.status == .contentTooLarge)
        #expect(tooLarge.errors.map(\.field) == ["event"])
        struct Opaque: Error {}
        let unknown = AuditProblem(Opaque())
        #expect(unknown.status == .internalServerError)
    }
}
