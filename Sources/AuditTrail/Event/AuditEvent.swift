/// One audit event: who did what, to which thing, when, from where, and did it work.
///
/// A producer builds an ``AuditEventInput``; validation turns it into an `AuditEvent` with every
/// default filled in and secrets redacted; the store gives it `seq`, `receivedAt` and `hash`.
///
/// ```swift
/// let input = AuditEventInput(action: "user.login",
///                             actor: .init(id: "u-123", name: "alice", ip: "203.0.113.9"))
/// let event = try AuditEventValidator().validate(input)          // defaults filled, secrets redacted
/// let prepared = try AuditEventValidator().prepare(input)        // ready for `store.append([prepared])`
/// ```
public struct AuditEvent: Sendable, Hashable {
    /// Who acted.
    public struct Actor: Sendable, Hashable {
        public var id: String?
        public var name: String?
        /// `user`, `service`, `api_key`, `system`, … (free text, lower case).
        public var type: String?
        public var ip: String?
        public var userAgent: String?
        public var sessionID: String?
        public init(
            id: String? = nil,
            name: String? = nil,
            type: String? = nil,
            ip: String? = nil,
            userAgent: String? = nil,
            sessionID: String? = nil
        ) {
            self.id = id
            self.name = name
            self.type = type
            self.ip = ip
            self.userAgent = userAgent
            self.sessionID = sessionID
        }
    }

    /// What was acted on.
    public struct Resource: Sendable, Hashable {
        public var type: String?
        public var id: String?
        public var name: String?
        public var namespace: String?
        public init(type: String? = nil, id: String? = nil, name: String? = nil, namespace: String? = nil) {
            self.type = type
            self.id = id
            self.name = name
            self.namespace = namespace
        }
    }

    /// State before and after the action.
    public struct Changes: Sendable, Hashable {
        public var before: JSONValue?
        public var after: JSONValue?
        public init(before: JSONValue? = nil, after: JSONValue? = nil) {
            self.before = before
            self.after = after
        }
    }

    /// The HTTP request that caused the event, if any.
    public struct Request: Sendable, Hashable {
        public var method: String?
        public var path: String?
        public var status: Int?
        public var durationMS: Double?
        public var correlationID: String?
        /// Selected request headers (secret ones are redacted).
        public var headers: [String: JSONValue]?
        public init(
            method: String? = nil,
            path: String? = nil,
            status: Int? = nil,
            durationMS: Double? = nil,
            correlationID: String? = nil,
            headers: [String: JSONValue]? = nil
        ) {
            self.method = method
            self.path = path
            self.status = status
            self.durationMS = durationMS
            self.correlationID = correlationID
            self.headers = headers
        }
    }

    /// Where the actor was.
    public struct Location: Sendable, Hashable {
        /// ISO 3166-1 alpha-2, upper case.
        public var country: String?
        public var region: String?
        public var city: String?
        public init(country: String? = nil, region: String? = nil, city: String? = nil) {
            self.country = country
            self.region = region
            self.city = city
        }
    }

    public var id: String
    public var time: AuditTime
    public var action: String
    public var category: String
    public var severity: AuditSeverity
    public var outcome: AuditOutcome
    public var description: String?
    public var actor: Actor?
    public var resource: Resource?
    public var changes: Changes?
    public var files: [String]
    public var comment: String?
    public var request: Request?
    public var riskScore: Int?
    public var location: Location?
    public var tags: [String]
    public var compliance: [String]
    public var metadata: JSONValue?
    /// JSON paths whose values were replaced by `"[REDACTED]"`.
    public var redacted: [String]
    /// Who handed the event to the log, set by the log and never by the producer: the id of the
    /// API key that posted it, `server` for the server's own records, `cli:<user>` for the CLI's,
    /// `app` (or `app:<name>`) for an app that embeds the log. Part of the canonical bytes, so it is
    /// proven like the rest; nil for events stored before the field existed.
    public var ingestedBy: String?
    /// Gap-free position in the log; 0 until stored.
    public var seq: Int64
    /// When the log committed the event; equal to `time`'s receipt until stored.
    public var receivedAt: AuditTime
    /// Hex SHA-256 chain hash; nil until stored.
    public var hash: String?

    public init(
        id: String,
        time: AuditTime,
        action: String,
        category: String,
        severity: AuditSeverity = .info,
        outcome: AuditOutcome = .success,
        description: String? = nil,
        actor: Actor? = nil,
        resource: Resource? = nil,
        changes: Changes? = nil,
        files: [String] = [],
        comment: String? = nil,
        request: Request? = nil,
        riskScore: Int? = nil,
        location: Location? = nil,
        tags: [String] = [],
        compliance: [String] = [],
        metadata: JSONValue? = nil,
        redacted: [String] = [],
        ingestedBy: String? = nil,
        seq: Int64 = 0,
        receivedAt: AuditTime? = nil,
        hash: String? = nil
    ) {
        self.id = id
        self.time = time
        self.action = action
        self.category = category
        self.severity = severity
        self.outcome = outcome
        self.description = description
        self.actor = actor
        self.resource = resource
        self.changes = changes
        self.files = files
        self.comment = comment
        self.request = request
        self.riskScore = riskScore
        self.location = location
        self.tags = tags
        self.compliance = compliance
        self.metadata = metadata
        self.redacted = redacted
        self.ingestedBy = ingestedBy
        self.seq = seq
        self.receivedAt = receivedAt ?? time
        self.hash = hash
    }
}
