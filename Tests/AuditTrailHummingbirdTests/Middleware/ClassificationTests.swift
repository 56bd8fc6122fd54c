import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct ClassificationTests {
    typealias Middleware = AuditMiddleware<BasicRequestContext>

    /// One request through a fresh middleware; the events it recorded.
    func record(
        _ method: HTTPRequest.Method,
        _ uri: String,
        headers: HTTPFields = [:],
        _ configure: (inout Middleware.Configuration) -> Void = { _ in }
    ) async throws -> (status: HTTPResponse.Status, events: [AuditEventInput]) {
        let sink = CollectingSink()
        var configuration = Middleware.Configuration()
        configure(&configuration)
        let router = statusRouter(Middleware(sink: sink, configuration: configuration), context: BasicRequestContext.self)
        let status = Box<HTTPResponse.Status>(.ok)
        try await withApp(router) { client in
            let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: nil)
            status.set(response.status)
        }
        return (status.value, sink.inputs)
    }

    @Test(arguments: [
        (HTTPRequest.Method.post, "data.create", 201),
        (.put, "data.update", 200),
        (.patch, "data.update", 200),
        (.delete, "data.delete", 204),
        (.options, "api.call", 200),
    ])
    func eachMethodHasItsAction(method: HTTPRequest.Method, action: String, code: Int) async throws {
        let (_, events) = try await record(method, "/status/\(code)")
        let event = try #require(events.first)
        #expect(events.count == 1)
        #expect(event.action == action)
        #expect(event.outcome == .success)
        #expect(event.request?.method == method.rawValue)
        #expect(event.request?.status == code)
        #expect(event.metadata?["route"]?.stringValue == "/status/{code}")
    }

    @Test func successfulReadsAreSkippedUnlessTurnedOn() async throws {
        #expect(try await record(.get, "/status/200").events.isEmpty)
        #expect(try await record(.head, "/status/200").events.isEmpty)
        let logged = try await record(.get, "/status/200") { $0.logSuccessfulReads = true }.events
        #expect(logged.map(\.action) == ["data.read"])
    }

    @Test func failedReadsAreAlwaysRecorded() async throws {
        let event = try #require(try await record(.get, "/status/404").events.first)
        #expect(event.action == "data.read")
        #expect(event.outcome == .failure)
    }

    @Test func forbiddenIsAuthzDeniedAnywhere() async throws {
        for method: HTTPRequest.Method in [.get, .post, .delete] {
            let event = try #require(try await record(method, "/status/403").events.first)
            #expect(event.action == "authz.denied")
            #expect(event.outcome == .denied)
            #expect(event.severity == .warning)
        }
        let atLogin = try #require(try await record(.post, "/status/403") { $0.pathRules = [.login(.route("/status/{code}"))] }.events.first)
        #expect(atLogin.action == "authz.denied")
    }

    @Test func loginRuleNamesSuccessAndFailure() async throws {
        let failed = try #require(try await record(.post, "/login").events.first)
        #expect(failed.action == "auth.login.failure")
        #expect(failed.outcome == .failure)
        #expect(failed.severity == .warning)
        let signedIn = try #require(try await record(.post, "/login", headers: [.authorization: "Basic eDp5"]).events.first)
        #expect(signedIn.action == "auth.login")
        #expect(signedIn.outcome == .success)
        // A 401 elsewhere is a denied action of its method, not a failed login.
        let elsewhere = try #require(try await record(.post, "/status/401").events.first)
        #expect(elsewhere.action == "data.create")
        #expect(elsewhere.outcome == .denied)
        // The login rule is for POST: a GET of the page is a read.
        #expect(try await record(.get, "/login", headers: [.authorization: "x"]).events.isEmpty)
    }

    @Test func logoutAndCustomRules() async throws {
        let custom = AuditPathRule(method: .put, pattern: .route("/status/{code}"), action: "billing.refund.issued")
        let refund = try #require(try await record(.put, "/status/200") { $0.pathRules.append(custom) }.events.first)
        #expect(refund.action == "billing.refund.issued")
        #expect(refund.severity == .warning)
        let prefixRule = AuditPathRule(method: nil, pattern: .prefix("/status"), action: "repo.fetch")
        let read = try #require(try await record(.get, "/status/200") { $0.pathRules = [prefixRule] }.events.first)
        #expect(read.action == "repo.fetch")  // a rule records even a successful read
        let logout = try #require(try await record(.post, "/status/200") { $0.pathRules = [.logout(.prefix("/status/"))] }.events.first)
        #expect(logout.action == "auth.logout")
    }

    @Test func serverErrorsAreFailuresRaisedToError() async throws {
        let event = try #require(try await record(.post, "/status/503").events.first)
        #expect(event.action == "data.create")
        #expect(event.outcome == .failure)
        #expect(event.severity == .error)
        let clientError = try #require(try await record(.post, "/status/422").events.first)
        #expect(clientError.outcome == .failure)
        #expect(clientError.severity == .info)
    }

    @Test func sensitivePathsRaiseSeverityAndRisk() async throws {
        let event = try #require(try await record(.delete, "/status/200") { $0.sensitivePaths = [.route("/status/{code}")] }.events.first)
        #expect(event.severity == .warning)
        #expect(event.tags.contains("risk:sensitive_endpoint"))
        let plain = try #require(try await record(.post, "/status/200").events.first)
        #expect(plain.severity == .info)
        #expect(!plain.tags.contains("risk:sensitive_endpoint"))
    }

    @Test func excludedPathsAreNotRecordedExactOrPrefix() async throws {
        let always: (inout Middleware.Configuration) -> Void = { $0.logSuccessfulReads = true }
        #expect(try await record(.get, "/healthz", always).events.isEmpty)
        #expect(try await record(.get, "/metrics", always).events.isEmpty)
        // Exact by default: a deeper path is recorded; a prefix exclusion covers it.
        #expect(try await record(.get, "/healthz/deep", always).events.count == 1)
        let prefixed = try await record(.get, "/internal/x") {
            $0.logSuccessfulReads = true
            $0.excludedPaths.append(.prefix("/internal"))
        }
        #expect(prefixed.events.isEmpty)
        #expect(try await record(.get, "/status/200", always).events.count == 1)
    }

    @Test func unmatchedRoutesAreRecordedAsFailedReads() async throws {
        let (status, events) = try await record(.get, "/nowhere")
        #expect(status == .notFound)
        let event = try #require(events.first)
        #expect(event.action == "data.read")
        #expect(event.request?.status == 404)
        #expect(event.request?.path == "/nowhere")
    }
}
