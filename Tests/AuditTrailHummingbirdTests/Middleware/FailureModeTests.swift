import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InMemoryLogging
import Logging
import Testing

@Suite struct FailureModeTests {
    @Test func failOpenServesTheRequestAndCountsTheRefusal() async throws {
        let logs = InMemoryLogHandler()
        let logger = Logger(label: "test") { _ in logs }
        let middleware = AuditMiddleware<BasicRequestContext>(sink: RefusingSink(), logger: logger)
        let router = statusRouter(middleware, context: BasicRequestContext.self)
        try await withApp(router) { client in
            let response = try await client.executeRequest(uri: "/status/201", method: .post, headers: [:], body: nil)
            #expect(response.status == .created)
            #expect(response.headers[HTTPField.Name("X-Correlation-ID")!] != nil)
        }
        #expect(middleware.statistics.refused == 1)
        #expect(middleware.statistics.recorded == 0)
        let warning = try #require(logs.entries.first)
        #expect(warning.level == .warning)
        #expect(warning.message.description.contains("refused"))
        #expect(warning.metadata["audit.action"] == "data.create")
    }

    @Test func failClosedAnswers503AfterTheHandlerRan() async throws {
        let handled = Box(0)
        var configuration = AuditMiddleware<BasicRequestContext>.Configuration()
        configuration.failureMode = .closed
        let logs = InMemoryLogHandler()
        let middleware = AuditMiddleware<BasicRequestContext>(
            sink: RefusingSink(),
            configuration: configuration,
            logger: Logger(label: "test") { _ in logs }
        )
        let router = Router()
        router.add(middleware: middleware)
        router.post("/pay") { _, _ -> Response in
            handled.mutate { $0 += 1 }
            return Response(status: .ok, body: .init(byteBuffer: .init(string: "paid")))
        }
        try await withApp(router) { client in
            let response = try await client.executeRequest(uri: "/pay", method: .post, headers: [:], body: nil)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "1")
            #expect(response.headers[.contentType] == AuditProblem.contentType)
            #expect(response.headers[HTTPField.Name("X-Correlation-ID")!] != nil)
            #expect(!String(buffer: response.body).contains("paid"))
        }
        #expect(handled.value == 1)
        #expect(middleware.statistics.writeFailures == 1)
        #expect(logs.entries.first?.level == .error)
    }

    @Test func failClosedWithAWorkingSinkAnswersNormally() async throws {
        let sink = CollectingSink()
        var configuration = AuditMiddleware<BasicRequestContext>.Configuration()
        configuration.failureMode = .closed
        let middleware = AuditMiddleware<BasicRequestContext>(sink: sink, configuration: configuration)
        try await withApp(statusRouter(middleware, context: BasicRequestContext.self)) { client in
            let response = try await client.executeRequest(uri: "/status/202", method: .put, headers: [:], body: nil)
            #expect(response.status == .accepted)
        }
        #expect(try sink.only().action == "data.update")
        #expect(middleware.statistics.recorded == 1)
    }

    struct Teapot: HTTPResponseError {
        var status: HTTPResponse.Status { .init(code: 418) }
        func response(from request: Request, context: some RequestContext) throws -> Response { Response(status: status) }
    }

    struct Opaque: Error {}

    @Test func handlerErrorsAreRecordedWithTheirStatusAndRethrownUnchanged() async throws {
        let sink = CollectingSink()
        let caught = Box<[String]>([])
        let router = Router()
        // An outer middleware sees exactly the error the handler threw.
        router.add(middleware: ErrorSpy(caught: caught))
        router.add(middleware: AuditMiddleware(sink: sink))
        router.post("/teapot") { _, _ -> Response in throw Teapot() }
        router.post("/opaque") { _, _ -> Response in throw Opaque() }
        router.post("/conflict") { _, _ -> Response in throw HTTPError(.conflict, message: "taken") }
        try await withApp(router) { client in
            var statuses: [Int] = []
            for path in ["/teapot", "/opaque", "/conflict"] {
                statuses.append(try await client.executeRequest(uri: path, method: .post, headers: [:], body: nil).status.code)
            }
            #expect(statuses == [418, 500, 409])
        }
        #expect(sink.inputs.map { $0.request?.status } == [418, 500, 409])
        #expect(sink.inputs.map(\.outcome) == [.failure, .failure, .failure])
        #expect(sink.inputs[1].severity == .error)
        #expect(caught.value == ["Teapot", "Opaque", "HTTPError"])
    }

    struct ErrorSpy: RouterMiddleware {
        typealias Context = BasicRequestContext
        let caught: Box<[String]>

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            do {
                return try await next(request, context)
            } catch {
                caught.mutate { $0.append("\(type(of: error))") }
                throw error
            }
        }
    }
}
