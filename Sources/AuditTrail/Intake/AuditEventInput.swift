/// What a producer sends: only `action` is required. Validation (``AuditEventValidator``) fills the
/// defaults, checks every rule and redacts secrets, giving an ``AuditEvent``.
///
/// ```swift
/// let input = AuditEventInput(action: "data.export", outcome: .denied,
///                             actor: .init(id: "u-7"), resource: .init(type: "report", id: "42"))
/// ```
public struct AuditEventInput: Sendable, Hashable {
    public var id: String?
    public var time: AuditTime?
    public var action: String
    public var category: String?
    public var severity: AuditSeverity?
    public var outcome: AuditOutcome?
    public var description: String?
    public var actor: AuditEvent.Actor?
    public var resource: AuditEvent.Resource?
    public var changes: AuditEvent.Changes?
    public var files: [String]
    public var comment: String?
    public var request: AuditEvent.Request?
    public var riskScore: Int?
    public var location: AuditEvent.Location?
    public var tags: [String]
    public var compliance: [String]
    public var metadata: JSONValue?

    public init(
        id: String? = nil,
        time: AuditTime? = nil,
        action: String,
        category: String? = nil,
        severity: AuditSeverity? = nil,
        outcome: AuditOutcome? = nil,
        description: String? = nil,
        actor: AuditEvent.Actor? = nil,
        resource: AuditEvent.Resource? = nil,
        changes: AuditEvent.Changes? = nil,
        files: [String] = [],
        comment: String? = nil,
        request: AuditEvent.Request? = nil,
        riskScore: Int? = nil,
        location: AuditEvent.Location? = nil,
        tags: [String] = [],
        compliance: [String] = [],
        metadata: JSONValue? = nil
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
    }
}
