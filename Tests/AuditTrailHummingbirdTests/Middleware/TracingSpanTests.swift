import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Instrumentation
import ServiceContextModule
import Testing

/// The third source of a correlation id: the current distributed-tracing span. A tracer's
/// middleware (Hummingbird's `TracingMiddleware`, or any) runs the rest of the request inside its
/// span's `ServiceContext`; the installed instrument turns that context into a W3C `traceparent`,
/// whose trace id the audit event takes.
@Suite struct TracingSpanTests {
    static let correlation = HTTPField.Name("X-Correlation-ID")!
    static let traceparent = HTTPField.Name("traceparent")!
    static let spanTrace = "0af7651916cd43dd8448eb211c80319c"

    /// The process's instrument, installed once (InstrumentationSystem allows one bootstrap). It
    /// only acts on contexts carrying ``SpanTraceparentKey``, so nothing else in the process sees it.
    static let installed: Void = InstrumentationSystem.bootstrap(SpanTraceparentInstrument())

    /// A `POST /status/201` through [span middleware →] audit middleware.
    func post(headers: HTTPFields = [:], inSpan: Bool) async throws -> (echoed: String?, event: AuditEventInput) {
        _ = Self.installed
        let sink = CollectingSink()
        let router = Router(context: BasicRequestContext.self)
        if inSpan { router.add(middleware: SpanMiddleware(traceparent: "00-\(Self.spanTrace)-b7ad6b7169203331-01")) }
        router.add(middleware: AuditMiddleware<BasicRequestContext>(sink: sink))
        router.post("/status/201") { _, _ in Response(status: .created) }
        let echoed = Box<String?>(nil)
        try await withApp(router) { client in
            let response = try await client.executeRequest(uri: "/status/201", method: .post, headers: headers, body: nil)
            echoed.set(response.headers[Self.correlation])
        }
        return (echoed.value, try sink.only())
    }

    @Test func theCurrentSpanGivesTheTraceID() async throws {
        let (echoed, event) = try await post(inSpan: true)
        #expect(echoed == Self.spanTrace)
        #expect(event.request?.correlationID == Self.spanTrace)
    }

    @Test func headersWinOverTheSpanAndNoSpanGivesANewID() async throws {
        #expect(try await post(headers: [Self.correlation: "mine"], inSpan: true).echoed == "mine")
        let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        #expect(try await post(headers: [Self.traceparent: parent], inSpan: true).echoed == "4bf92f3577b34da6a3ce929d0e0e4736")
        let (fresh, _) = try await post(inSpan: false)
        #expect(fresh.map { AuditEventID.normalizedUUID($0) != nil } == true)
    }
}

/// Where a test span keeps its W3C `traceparent` in a `ServiceContext`.
enum SpanTraceparentKey: ServiceContextKey {
    typealias Value = String
}

/// A W3C trace-context instrument reduced to what the middleware uses: it injects the span's
/// `traceparent` (as a real tracer's propagator does) and extracts nothing.
struct SpanTraceparentInstrument: Instrument {
    func extract<Carrier, Extract>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract: Extractor, Extract.Carrier == Carrier {}

    func inject<Carrier, Inject>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject: Injector, Inject.Carrier == Carrier {
        if let parent = context[SpanTraceparentKey.self] { injector.inject(parent, forKey: "traceparent", into: &carrier) }
    }
}

/// Runs the rest of the request inside a span's context, as a tracing middleware does.
struct SpanMiddleware<Context: RequestContext>: RouterMiddleware {
    let traceparent: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var span = ServiceContext.current ?? .topLevel
        span[SpanTraceparentKey.self] = traceparent
        return try await ServiceContext.withValue(span) { try await next(request, context) }
    }
}
