/// A rule that watches the log and records a `security.alert` event when something bad happens:
/// a search query (the search language of `q`), and what counts as bad —
///
/// - `threshold`: at least `threshold` matching events of one group (the value of `group_by`,
///   e.g. the same `actor.ip`) received within `window_seconds`; it does not fire again for that
///   group until the window has passed;
/// - `new_value`: a matching event whose `value_field` (e.g. `actor.ip`) was never seen before for
///   its group (e.g. the same `actor.id`) — after the group's first event, which is its baseline.
///
/// A firing records `security.alert` linking the triggering seqs and, when the rule has a webhook,
/// POSTs the alert event there (signed like a stream's batches, retried until it is taken).
///
/// ```json
/// {"name": "failed logins", "query": "action:user.login outcome:failure", "threshold": 5,
///  "window_seconds": 60, "group_by": "actor.ip", "webhook_url": "https://pager.example/hook"}
/// ```
public struct AuditAlertRule: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case threshold
        case newValue = "new_value"
    }

    /// `alr_` and 16 hex digits, or `builtin.<name>` for the built-in rules.
    public var id: String
    public var name: String
    /// A search-language expression (``AuditSearchParser``) the events must match.
    public var query: String
    public var kind: Kind
    /// Events of one group within the window that fire a `threshold` rule (1…10,000).
    public var threshold: Int
    /// The window of a `threshold` rule, and the quiet time after a firing (1 s…1 day).
    public var windowSeconds: Int
    /// The field whose value makes the group.
    public var groupBy: AuditAlertField
    /// A `new_value` rule's watched field.
    public var valueField: AuditAlertField?
    /// Where a firing is POSTed, and the HMAC secret it is signed with.
    public var webhookURL: String?
    public var secret: String?
    /// Whether it is evaluated (a built-in rule can be switched off).
    public var enabled: Bool
    public var createdAt: AuditTime
    public var createdBy: String

    public var isBuiltIn: Bool { id.hasPrefix(Self.builtInPrefix) }

    static let builtInPrefix = "builtin."

    public init(
        id: String,
        name: String,
        query: String,
        kind: Kind = .threshold,
        threshold: Int,
        windowSeconds: Int,
        groupBy: AuditAlertField,
        valueField: AuditAlertField? = nil,
        webhookURL: String? = nil,
        secret: String? = nil,
        enabled: Bool = true,
        createdAt: AuditTime,
        createdBy: String
    ) {
        self.id = id
        self.name = name
        self.query = query
        self.kind = kind
        self.threshold = threshold
        self.windowSeconds = windowSeconds
        self.groupBy = groupBy
        self.valueField = valueField
        self.webhookURL = webhookURL
        self.secret = secret
        self.enabled = enabled
        self.createdAt = createdAt
        self.createdBy = createdBy
    }

    /// The rule's query as a store query (its `q`).
    public func storeQuery() throws(AuditTrailError) -> AuditQuery {
        try AuditQuery(parameters: [("q", query)])
    }
}

/// The fields a rule groups by or watches: the event's own, never its free text.
public enum AuditAlertField: String, Sendable, Hashable, CaseIterable {
    case actorID = "actor.id"
    case actorIP = "actor.ip"
    case actorName = "actor.name"
    case actorType = "actor.type"
    case resourceType = "resource.type"
    case resourceID = "resource.id"
    case action
    case ingestedBy = "ingested_by"
    case country = "location.country"

    /// The field's value in `event` (nil when it has none).
    public func value(in event: AuditEvent) -> String? {
        switch self {
        case .actorID: event.actor?.id
        case .actorIP: event.actor?.ip
        case .actorName: event.actor?.name
        case .actorType: event.actor?.type
        case .resourceType: event.resource?.type
        case .resourceID: event.resource?.id
        case .action: event.action
        case .ingestedBy: event.ingestedBy
        case .country: event.location?.country
        }
    }

    /// The names, for messages.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}
