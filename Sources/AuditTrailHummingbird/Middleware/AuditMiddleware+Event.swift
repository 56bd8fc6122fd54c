import AuditTrail
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

extension AuditMiddleware where Context: AuditActorContext {
    /// A middleware recording into `sink`, the actor taken from the context's
    /// ``AuditActorContext/auditActor`` (after the handler ran).
    public init(
        sink: any AuditEventSink,
        configuration: Configuration = .init(),
        riskScorer: AuditRiskScorer? = AuditRiskScorer(),
        logger: Logger = Logger(label: "audittrail.middleware")
    ) {
        self.init(sink: sink, configuration: configuration, riskScorer: riskScorer, logger: logger) { _, context in context.auditActor }
    }
}

extension AuditMiddleware {
    /// What the middleware measured about one request.
    struct RequestFacts {
        var path: String
        var status: HTTPResponse.Status
        var time: AuditTime
        var durationMS: Double
        var correlationID: String
        var body: JSONValue?
    }

    /// The event for this request, or nil when it is not recorded (a successful read with
    /// ``Configuration/logSuccessfulReads`` off).
    func event(for request: Request, context: Context, _ facts: RequestFacts, scopeActor: AuditEvent.Actor?) -> AuditEventInput? {
        let method = request.method
        let code = facts.status.code
        let route = context.endpointPath
        let pathBytes = facts.path[...].utf8
        let rule = configuration.pathRules.first { $0.matches(method: method, path: pathBytes, route: route) }
        var outcome: AuditOutcome = code < 400 ? .success : (code == 401 || code == 403 ? .denied : .failure)
        let action: String
        if code == 403 {
            action = "authz.denied"
        } else if let rule {
            action = code == 401 && rule.isLogin ? "auth.login.failure" : rule.action
            // Wrong credentials are a failed sign-in (as AuditEventInput.loginFailure records it),
            // not a denial of something the actor was known to ask for.
            if action == "auth.login.failure" { outcome = .failure }
        } else {
            switch method {
            case .get, .head:
                guard outcome != .success || configuration.logSuccessfulReads else { return nil }
                action = "data.read"
            case .post: action = "data.create"
            case .put, .patch: action = "data.update"
            case .delete: action = "data.delete"
            default: action = "api.call"
            }
        }
        let sensitive = configuration.sensitivePaths.contains { $0.matches(path: pathBytes, route: route) }
        var severity = configuration.catalog[action]?.defaultSeverity ?? .info
        if sensitive { severity = max(severity, configuration.sensitiveSeverity) }
        if code >= 500 { severity = max(severity, configuration.serverErrorSeverity) }

        let maxString = configuration.limits.maxStringLength
        var actor = scopeActor ?? self.actor?(request, context) ?? AuditEvent.Actor()
        if actor.ip == nil {
            actor.ip = AuditClientAddress.resolve(
                peer: AuditClientAddress.peer(of: context),
                headers: request.headers,
                trusted: configuration.trustedProxies
            )
        }
        // The first User-Agent field (there is one): the subscript would join them into a new string.
        if actor.userAgent == nil { actor.userAgent = request.headers.first { $0.name == .userAgent }?.value }
        actor = AuditStringClipping.clip(actor, maxString: maxString)

        var input = AuditEventInput(
            time: facts.time,
            action: action,
            severity: severity,
            outcome: outcome,
            actor: actor == AuditEvent.Actor() ? nil : actor,
            request: AuditEvent.Request(
                method: AuditStringClipping.isValidMethod(method.rawValue) ? method.rawValue : nil,
                path: AuditStringClipping.clip(redactedPath(facts.path, query: request.uri.query), maxString),
                status: (100...599).contains(code) ? code : nil,
                durationMS: min(max(0, facts.durationMS), 86_400_000),
                correlationID: facts.correlationID
            )
        )
        var metadata: [String: JSONValue] = [:]
        if let route { metadata["route"] = .string(AuditStringClipping.clip(route, maxString) ?? "") }
        if let body = facts.body { metadata["request_body"] = body }
        if !metadata.isEmpty { input.metadata = .object(metadata) }
        riskScorer?.assess(input, sensitive: sensitive, now: facts.time).apply(to: &input)
        return input
    }

    /// The path with the values of secret query parameters replaced by `[REDACTED]`.
    func redactedPath(_ path: String, query: String?) -> String {
        guard let query, !query.isEmpty else { return path }
        // Most queries hold no secret: the path and query are joined without a pair-by-pair copy.
        guard AuditQueryPairs(query).contains(where: { isSecretParameter($0.name) }) else { return path + "?" + query }
        var out = path
        out.reserveCapacity(path.utf8.count + query.utf8.count + 1)
        out.append("?")
        var first = true
        for pair in AuditQueryPairs(query) {
            if !first { out.append("&") }
            first = false
            if isSecretParameter(pair.name) {
                out.append(contentsOf: pair.name)
                out.append("=")
                out.append(AuditRedactor.marker)
            } else {
                out.append(contentsOf: pair.text)
            }
        }
        return out
    }

    /// Whether `name` is one of ``Configuration/secretQueryParameters`` (ASCII letters compared
    /// case-insensitively), without copying it.
    func isSecretParameter(_ name: Substring) -> Bool {
        let bytes = name.utf8
        return secretParameters.contains { secret in
            secret.count == bytes.count && zip(secret, bytes).allSatisfy { $0 == ((65...90).contains($1) ? $1 + 32 : $1) }
        }
    }

    /// Reads a JSON body of at most ``BodyCapture/maxBytes`` (leaving it readable for the handler)
    /// and returns it redacted; nil for other media types, bodies without `Content-Length`, larger or
    /// unparsable bodies.
    func captureBody(of request: inout Request, _ capture: BodyCapture, context: Context) async -> JSONValue? {
        let limit = min(capture.maxBytes, configuration.limits.maxStringLength)
        guard let type = request.headers[.contentType],
            type.lowercased().hasPrefix("application/json")
                || type.lowercased().contains("+json")
        else { return nil }
        // Only a declared length is safe to read ahead: a chunked body larger than the limit would be
        // half consumed before the handler saw it.
        guard let declared = request.headers[.contentLength].flatMap(Int.init), declared > 0, declared <= limit else { return nil }
        guard let buffer = try? await request.collectBody(upTo: limit), buffer.readableBytes > 0,
            let value = try? JSONParser.parse(buffer.readableBytesView)
        else { return nil }
        var paths: [String] = []
        return AuditRedactor(configuration: configuration.limits.redactor).redact(value, at: "metadata.request_body", paths: &paths)
    }
}
