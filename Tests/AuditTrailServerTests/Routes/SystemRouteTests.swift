import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import AuditTrailServer

@Suite struct SystemRouteTests {
    @Test(arguments: TestStore.available) func healthAndReadinessAnswer(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            let health = try await api.send(.get, "/healthz", key: nil)
            #expect(health.json["status"]?.stringValue == "ok")
            _ = try await api.ingest(#"{"action":"doc.view"}"#)
            let ready = try await api.send(.get, "/readyz", key: nil)
            #expect(ready.status == .ok)
            #expect(ready.json["status"]?.stringValue == "ready")
        }
    }

    @Test("Finding 7: /readyz tells anyone only ready or not; the head seq and queue depth are in /metrics")
    func readinessTellsAnyoneOnlyReadyOrNot() async throws {
        try await withServer { _, api in
            for index in 0..<3 { _ = try await api.ingest(#"{"action":"doc.view","actor":{"id":"u-\#(index)"}}"#) }
            for key in [nil, adminSecret] {
                let ready = try await api.send(.get, "/readyz", key: key)
                #expect(ready.status == .ok)
                #expect(ready.text == #"{"status":"ready"}"#, "\(ready.text)")
            }
            let metrics = try await api.send(.get, "/metrics")
            #expect(metrics.text.contains("audittrail_log_head_seq 3"), "\(metrics.text)")
            #expect(metrics.text.contains("audittrail_writer_queue_depth_events"))
        }
    }

    @Test(arguments: TestStore.available) func metricsTellTheHeapAndTheIndexCache(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            for index in 0..<3 { _ = try await api.ingest(#"{"action":"doc.view","actor":{"id":"u-\#(index)"}}"#) }
            _ = try await api.send(.get, "/v1/events?q=action:doc.view")
            let text = try await api.send(.get, "/metrics").text
            func gauge(_ name: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.dropFirst(name.count + 1)) }
            }
            let inUse = try #require(gauge("audittrail_heap_in_use_bytes"), "\(text)")
            #expect(inUse > 1_000_000, "a running server holds more than a megabyte of heap")
            #expect(try #require(gauge("audittrail_heap_free_bytes")) >= 0)
            let cache = try #require(gauge("audittrail_index_cache_bytes"), "\(text)")
            #expect(cache >= 0 && cache < inUse)
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
            #expect(routed.count == 32)

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

    @Test func meNamesTheCallingKey() async throws {
        try await withServer { _, api in
            let admin = try await api.send(.get, "/v1/me")
            #expect(admin.status == .ok && admin.json["role"] == "admin" && admin.json["subject"] == .null, "\(admin.text)")
            let viewer = try await api.createKey(role: "viewer", subject: "u-7", name: "alice")
            let me = try await api.send(.get, "/v1/me", key: viewer.secret)
            #expect(me.json == ["id": .string(viewer.id), "name": "alice", "role": "viewer", "subject": "u-7"], "\(me.text)")
            #expect(try await api.send(.get, "/v1/me", key: nil).status == .unauthorized)
            #expect(try await api.send(.get, "/v1/me?x=1").status == .badRequest)
        }
    }

    @Test func theRootNamesTheProductAndLinksOnAsHTMLOrJSON() async throws {
        try await withServer { _, api in
            // In a browser: the explorer, its scripts and styles from this origin only, no inline code.
            let page = try await api.send(.get, "/", key: nil)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy] == AuditExplorer.contentSecurityPolicy)
            #expect(page.headers[.cacheControl] == "no-cache" && page.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            let links = page.text.matches(of: /\/assets\/(explorer\.[0-9a-f]{16}\.(js|css))/).map { String($0.1) }
            #expect(Set(links.map { $0.hasSuffix(".js") }) == [true, false], "\(page.text)")
            #expect(page.text.matches(of: /<script(?![^>]*\ssrc=)/).isEmpty, "no inline script")
            #expect(!page.text.contains("style="), "no inline style")
            for name in links {
                let asset = try await api.send(.get, "/assets/\(name)", key: nil)
                #expect(asset.status == .ok)
                #expect(asset.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(asset.headers[.contentType]?.hasPrefix(name.hasSuffix(".js") ? "text/javascript" : "text/css") == true)
            }
            #expect(try await api.send(.get, "/assets/explorer.0000000000000000.js", key: nil).status == .notFound)
            #expect(try await api.send(.get, "/assets/..%2FPackage.swift", key: nil).status == .notFound)
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

    /// The explorer's modules import each other by hashed name, every import is served, the whole
    /// page weighs under 100 KB, and the search box completes the fields the parser knows.
    @Test func theExplorersModulesResolveAndStaySmall() async throws {
        try await withServer { _, api in
            let page = try await api.send(.get, "/", key: nil)
            var weight = page.body.count
            var pending = page.text.matches(of: /\/assets\/([a-z]+\.[0-9a-f]{16}\.(?:js|css))/).map { String($0.1) }
            var seen: Set<String> = []
            var sources: [String: String] = [:]
            while let name = pending.popLast() {
                guard seen.insert(name).inserted else { continue }
                let asset = try await api.send(.get, "/assets/\(name)", key: nil)
                #expect(asset.status == .ok, "\(name)")
                weight += asset.body.count
                sources[String(name.prefix { $0 != "." })] = asset.text
                let imports = asset.text.matches(of: /from "\.\/([^"]+)"/).map { String($0.1) }
                #expect(imports.allSatisfy { $0.wholeMatch(of: /[a-z]+\.[0-9a-f]{16}\.js/) != nil }, "\(name) imports \(imports)")
                pending += imports
            }
            #expect(Set(sources.keys) == ["explorer", "api", "query", "overview", "detail", "admin", "proof"])
            #expect(weight < 100_000, "the page and its assets weigh \(weight) bytes")
            let list = try #require(sources["query"]?.firstMatch(of: /export const fields = \[([^\]]*)\]/)?.1)
            let fields = list.matches(of: /"([^"]+)"/).map { String($0.1) }
            #expect(fields == AuditSearchParser.fields)
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

    @Test("Finding 7: /metrics needs the metrics key or an admin key, whatever the peer")
    func metricsNeedTheMetricsKeyOrAnAdminKey() async throws {
        let metricsKey = "metrics-scraper-key-0123456789"
        let configure: (inout AuditServerConfiguration) -> Void = { $0.metricsKey = metricsKey }
        try await withServer(configure) { _, api in
            let writer = try await api.createKey(role: "writer")
            let auditor = try await api.createKey(role: "auditor")
            let anonymous = try await api.send(.get, "/metrics", key: nil)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.contentType] == AuditProblem.contentType)
            #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(try await api.send(.get, "/metrics", key: "not-a-key-at-all-0123").status == .unauthorized)
            for key in [writer.secret, auditor.secret] {
                let refused = try await api.send(.get, "/metrics", key: key)
                #expect(refused.status == .forbidden)
                #expect(!refused.text.contains("audittrail_"))
            }
            for key in [metricsKey, adminSecret] {
                let reply = try await api.send(.get, "/metrics", key: key)
                #expect(reply.status == .ok)
                #expect(reply.text.contains("audittrail_writer_queue_depth_events"))
            }
            // The metrics key opens /metrics and nothing else.
            #expect(try await api.send(.get, "/v1/events", key: metricsKey).status == .unauthorized)
        }
    }

    @Test("Finding 7: a loopback peer (a TLS proxy on the same host) gets no /metrics without a key")
    func metricsAreRefusedToLoopbackPeersWithoutAKey() async throws {
        try await withServer(setup: .live) { _, api in
            let reply = try await api.send(.get, "/metrics", key: nil)
            #expect(reply.status == .unauthorized)
            #expect(!reply.text.contains("audittrail_"))
            let admin = try await api.send(.get, "/metrics")
            #expect(admin.status == .ok)
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

    @Test func fullDiskMapsTo503NamingTheCause() {
        let problem = AuditProblem(AuditTrailError(.storeFull, "SQLite append failed: the disk of the data directory is full"))
        #expect(problem.status == .serviceUnavailable)
        #expect(problem.slug == "store-full")
        #expect(problem.headers[.retryAfter] == "5")
        #expect(problem.detail.contains("full (SQLITE_FULL / ENOSPC)"))
        #expect(problem.detail.contains("nothing of this request was stored"))
    }
}
