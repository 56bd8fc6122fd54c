import AuditTrail
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Records one audit event per request: the action from the method and the matched route, the
/// outcome from the status, the actor, the client IP, the request line, the duration (milliseconds, to the microsecond), a
/// correlation id (read and echoed in `X-Correlation-ID`) and a risk score with its reasons.
///
/// | request | action | outcome |
/// |---|---|---|
/// | `GET`, `HEAD` | `data.read` (successful ones only with ``Configuration/logSuccessfulReads``) | |
/// | `POST` / `PUT`, `PATCH` / `DELETE` | `data.create` / `data.update` / `data.delete` | 1xx–3xx `success` |
/// | a ``AuditPathRule`` (`POST /login`) | its action (`auth.login`; 401 → `auth.login.failure`, outcome `failure`) | 401, 403 `denied` |
/// | any 403 | `authz.denied` | other 4xx, 5xx `failure` |
///
/// Severity is the catalog's default for the action, raised for ``Configuration/sensitivePaths``
/// and for 5xx. An error thrown by the handler is recorded with the status it becomes
/// (`HTTPResponseError.status`, else 500) and rethrown unchanged, so the app's own error handling
/// sees the same value; place the app's error-to-response middleware *inside* this one for the
/// `X-Correlation-ID` header to be on error responses too.
///
/// Fail-open (the default) costs one validation and one enqueue and never fails the request;
/// fail-closed waits for the durable write and answers 503 when it fails (see ``FailureMode``).
///
/// ```swift
/// let sink = AuditWriterSink(writer: writer)
/// let router = Router(context: AppContext.self)
/// router.add(middleware: AuditMiddleware(sink: sink))     // AppContext: AuditActorContext
/// router.post("/login") { request, context in … }        // auth.login / auth.login.failure
/// ```
public struct AuditMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Where events go.
    public let sink: any AuditEventSink
    /// The settings.
    public let configuration: Configuration
    /// Scores each event; nil records no score.
    public let riskScorer: AuditRiskScorer?
    /// Counters of recorded and lost events.
    public let statistics = AuditMiddlewareStatistics()
    let actor: (@Sendable (Request, Context) -> AuditEvent.Actor?)?
    let logger: Logger
    /// Secret query parameter names as lower-cased UTF-8, compared without copying a request's names.
    let secretParameters: [[UInt8]]

    /// A middleware recording into `sink`.
    ///
    /// - Parameters:
    ///   - sink: the embedded writer, a remote client, a file: any ``AuditEventSink``.
    ///   - configuration: see ``Configuration``; defaults documented there.
    ///   - riskScorer: the scorer (default: one with its default configuration); nil for none.
    ///   - logger: where refused events are reported.
    ///   - actor: who acts, read after the handler ran from this middleware's context (see
    ///     ``AuditActorContext`` for what inner middlewares can add). Default: nobody.
    public init(
        sink: any AuditEventSink,
        configuration: Configuration = .init(),
        riskScorer: AuditRiskScorer? = AuditRiskScorer(),
        logger: Logger = Logger(label: "audittrail.middleware"),
        actor: (@Sendable (Request, Context) -> AuditEvent.Actor?)? = nil
    ) {
        for rule in configuration.pathRules {
            precondition(
                (try? AuditEventValidator().validate(AuditEventInput(action: rule.action))) != nil,
                "AuditPathRule action \(rule.action) is not a dotted lower-case action"
            )
        }
        self.sink = sink
        self.configuration = configuration
        self.riskScorer = riskScorer
        self.logger = logger
        self.actor = actor
        self.secretParameters = Set(configuration.secretQueryParameters.map { $0.lowercased() }).map { Array($0.utf8) }
    }

    /// Records the request (unless excluded), echoes the correlation id, and returns the handler's
    /// response — or, fail-closed, a 503 when the event could not be written.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if configuration.excludedPaths.contains(where: { $0.matches(path: path[...].utf8, route: nil) }) {
            return try await next(request, context)
        }
        let clock = ContinuousClock.now
        let startTime = AuditTime.now()
        let correlationID = AuditCorrelationID.resolve(request.headers, header: configuration.correlationHeader, now: startTime)
        var request = request
        var body: JSONValue?
        if let capture = configuration.bodyCapture {
            body = await captureBody(of: &request, capture, context: context)
        }
        let scope = AuditActorScope()
        var response: Response?
        var thrown: (any Error)?
        let status: HTTPResponse.Status
        do {
            let handled = try await AuditActorScope.$current.withValue(scope) { try await next(request, context) }
            status = handled.status
            response = handled
        } catch {
            status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            thrown = error
        }
        let elapsed = ContinuousClock.now - clock
        let facts = RequestFacts(
            path: path,
            status: status,
            time: startTime,
            // Microsecond precision: finer digits are noise, and three decimals encode without formatting.
            durationMS: (elapsed / .microseconds(1)).rounded() / 1000,
            correlationID: correlationID,
            body: body
        )
        if let input = event(for: request, context: context, facts, scopeActor: scope.recorded) {
            if configuration.failureMode.isClosed {
                do {
                    try await sink.write(input)
                    statistics.countRecorded()
                } catch {
                    statistics.countWriteFailure()
                    logger.error(
                        "audit event could not be written; answering 503 (fail-closed)",
                        metadata: ["audit.action": "\(input.action)", "audit.correlation_id": "\(correlationID)", "error.type": "\(type(of: error))"]
                    )
                    return unavailable(correlationID: correlationID)
                }
            } else {
                do {
                    try sink.enqueue(input)
                    statistics.countRecorded()
                } catch {
                    statistics.countRefused()
                    logger.warning(
                        "audit event refused by the sink; the request goes on (fail-open)",
                        metadata: ["audit.action": "\(input.action)", "audit.correlation_id": "\(correlationID)", "audit.error": "\(error)"]
                    )
                }
            }
        }
        if let thrown { throw thrown }
        guard var response else { preconditionFailure("a handler either returns or throws") }
        response.headers[configuration.correlationHeader] = correlationID
        return response
    }

    /// The fail-closed answer: an RFC 9457 problem, `Retry-After: 1`, the correlation id.
    private func unavailable(correlationID: String) -> Response {
        let problem = AuditProblem(
            .serviceUnavailable,
            slug: "audit-unavailable",
            title: "Audit log unavailable",
            detail: "the request could not be recorded in the audit log; retry later",
            headers: [.retryAfter: "1"]
        )
        var fields = problem.headers
        fields[.contentType] = AuditProblem.contentType
        fields[configuration.correlationHeader] = correlationID
        return Response(status: problem.status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: problem.body)))
    }
}
