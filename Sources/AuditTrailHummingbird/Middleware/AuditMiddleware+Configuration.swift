import AuditTrail
import HTTPTypes

extension AuditMiddleware {
    /// What happens when an event cannot be recorded.
    public struct FailureMode: Sendable, Hashable {
        private enum Mode: Sendable, Hashable { case open, closed }
        private let mode: Mode

        /// The default: the event is validated and queued (``AuditEventSink/enqueue(_:)``) after the
        /// response is ready; a refused event is logged and counted
        /// (``AuditMiddlewareStatistics/refused``), and the request succeeds anyway. Costs one
        /// validation and one enqueue.
        public static var open: FailureMode { FailureMode(mode: .open) }

        /// The event is written durably (``AuditEventSink/write(_:)``) before the response leaves;
        /// when that fails the client gets `503 Service Unavailable` with `Retry-After` and the
        /// handler's response is discarded. The handler **has already run**: its effects are not
        /// undone. An app that must not act without a durable record writes its own event with
        /// `sink.write` inside the handler, before the effect.
        public static var closed: FailureMode { FailureMode(mode: .closed) }

        var isClosed: Bool { mode == .closed }
    }

    /// Request bodies kept in the event (off by default): JSON only, at most ``maxBytes``,
    /// redacted by the core's ``AuditRedactor`` and stored as `metadata.request_body`.
    public struct BodyCapture: Sendable, Hashable {
        /// Bodies larger than this (declared or read) are not kept; at most the validator's
        /// string limit (8 KiB). Default 4 KiB.
        public var maxBytes: Int
        /// Capture bodies up to `maxBytes`.
        public init(maxBytes: Int = 4096) { self.maxBytes = maxBytes }
    }

    /// The middleware's settings, each with a documented default.
    ///
    /// ```swift
    /// var configuration = AuditMiddleware<AppContext>.Configuration()
    /// configuration.pathRules.append(.login(.exact("/api/session")))
    /// configuration.sensitivePaths.append(.prefix("/billing"))
    /// configuration.trustedProxies = [AuditCIDR("10.0.0.0/8")!]
    /// ```
    public struct Configuration: Sendable {
        /// Requests not recorded at all. Default: exactly `/healthz` and `/metrics`.
        public var excludedPaths: [AuditPathPattern] = [.exact("/healthz"), .exact("/metrics")]
        /// Record successful `GET` and `HEAD` requests as `data.read`. Default false: reads are
        /// recorded only when they fail, are denied or match a path rule.
        public var logSuccessfulReads = false
        /// Actions for specific paths. Default: `POST /login` → `auth.login` (401 →
        /// `auth.login.failure`) and `POST /logout` → `auth.logout`.
        public var pathRules: [AuditPathRule] = [.login(.exact("/login")), .logout(.exact("/logout"))]
        /// Paths whose events are raised to at least ``sensitiveSeverity`` and scored as a sensitive
        /// endpoint. Default: prefixes `/admin`, `/auth`, `/login`, `/keys`, `/users`, `/settings`.
        public var sensitivePaths: [AuditPathPattern] = ["/admin", "/auth", "/login", "/keys", "/users", "/settings"].map {
            .prefix($0)
        }
        /// The least severity of an event at a sensitive path. Default `.warning`.
        public var sensitiveSeverity = AuditSeverity.warning
        /// The least severity of an event whose status is 5xx. Default `.error`.
        public var serverErrorSeverity = AuditSeverity.error
        /// Query parameters whose values are replaced by `[REDACTED]` in `request.path` (ASCII letters
        /// compared case-insensitively). The validator's redactor also applies to every key that looks secret.
        public var secretQueryParameters: Set<String> = [
            "token", "access_token", "refresh_token", "id_token", "api_key", "apikey", "key", "password", "passwd",
            "secret", "client_secret", "signature", "sig", "code", "session", "session_id", "jwt", "auth",
        ]
        /// Peers whose `Forwarded` / `X-Forwarded-For` headers are believed. Default: none, so the
        /// recorded IP is always the socket peer's.
        public var trustedProxies: [AuditCIDR] = []
        /// Request-body capture; nil (the default) keeps no body.
        public var bodyCapture: BodyCapture?
        /// ``FailureMode/open`` (the default) or ``FailureMode/closed``.
        public var failureMode = FailureMode.open
        /// The header read and echoed for the correlation id. Default `X-Correlation-ID`.
        public var correlationHeader = HTTPField.Name("X-Correlation-ID")!
        /// The catalog that gives each action its default severity. Default: the standard catalog.
        public var catalog = AuditActionCatalog.standard
        /// The validator's limits every string is clipped to, so the middleware never builds an
        /// event the sink would refuse. Default: the validator's defaults.
        public var limits = AuditEventValidator.Configuration()

        /// The defaults.
        public init() {}
    }
}
