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
        id: String? = nil, time: AuditTime? = nil, action: String, category: String? = nil,
        severity: AuditSeverity? = nil, outcome: AuditOutcome? = nil, description: String? = nil,
        actor: AuditEvent.Actor? = nil, resource: AuditEvent.Resource? = nil, changes: AuditEvent.Changes? = nil,
        files: [String] = [], comment: String? = nil, request: AuditEvent.Request? = nil, riskScore: Int? = nil,
        location: AuditEvent.Location? = nil, tags: [String] = [], compliance: [String] = [], metadata: JSONValue? = nil
    ) {
        self.id = id; self.time = time; self.action = action; self.category = category; self.severity = severity
        self.outcome = outcome; self.description = description; self.actor = actor; self.resource = resource
        self.changes = changes; self.files = files; self.comment = comment; self.request = request
        self.riskScore = riskScore; self.location = location; self.tags = tags; self.compliance = compliance
        self.metadata = metadata
    }
}

extension AuditEventInput {
    /// Reads an input event from parsed JSON, checking JSON types and rejecting unknown fields.
    /// Every problem is collected, so one 400 names every bad field.
    ///
    /// - Parameter prefix: prepended to field names in errors (`"[3]."` for the fourth event of a batch).
    public init(json: JSONValue, fieldPrefix prefix: String = "") throws(AuditTrailError) {
        var r = FieldReader(prefix: prefix)
        guard case .object(let object) = json else {
            throw AuditTrailError.invalid(prefix.isEmpty ? "body" : String(prefix.dropLast()), "must be a JSON object")
        }
        // One pass over the keys that are present (no hashing of absent ones): this is the ingest hot path.
        self.init(action: "")
        var sawAction = false
        for (key, value) in object {
            switch key {
            case "action": sawAction = true; action = r.string(value, "action") ?? ""
            case "id": id = r.string(value, "id")
            case "time":
                if let text = r.string(value, "time") {
                    if let time = AuditTime(rfc3339: text) { self.time = time } else { r.fail("time", "must be an RFC 3339 time such as 2026-11-22T08:00:00.123Z") }
                }
            case "category": category = r.string(value, "category")
            case "severity":
                if let text = r.string(value, "severity") {
                    if let parsed = AuditSeverity(rawValue: text) { severity = parsed } else { r.fail("severity", "must be one of debug, info, warning, error, critical") }
                }
            case "outcome":
                if let text = r.string(value, "outcome") {
                    if let parsed = AuditOutcome(rawValue: text) { outcome = parsed } else { r.fail("outcome", "must be one of success, failure, denied") }
                }
            case "description": description = r.string(value, "description")
            case "comment": comment = r.string(value, "comment")
            case "actor":
                guard let fields = r.object(value, "actor") else { continue }
                var actor = AuditEvent.Actor()
                var sub = r.nested("actor")
                for (name, field) in fields {
                    switch name {
                    case "id": actor.id = sub.string(field, name)
                    case "name": actor.name = sub.string(field, name)
                    case "type": actor.type = sub.string(field, name)
                    case "ip": actor.ip = sub.string(field, name)
                    case "user_agent": actor.userAgent = sub.string(field, name)
                    case "session_id": actor.sessionID = sub.string(field, name)
                    default: sub.fail(name, "unknown field")
                    }
                }
                self.actor = actor
                r.merge(sub)
            case "resource":
                guard let fields = r.object(value, "resource") else { continue }
                var resource = AuditEvent.Resource()
                var sub = r.nested("resource")
                for (name, field) in fields {
                    switch name {
                    case "type": resource.type = sub.string(field, name)
                    case "id": resource.id = sub.string(field, name)
                    case "name": resource.name = sub.string(field, name)
                    case "namespace": resource.namespace = sub.string(field, name)
                    default: sub.fail(name, "unknown field")
                    }
                }
                self.resource = resource
                r.merge(sub)
            case "changes":
                guard let fields = r.object(value, "changes") else { continue }
                var changes = AuditEvent.Changes()
                var sub = r.nested("changes")
                for (name, field) in fields {
                    switch name {
                    case "before": changes.before = field
                    case "after": changes.after = field
                    default: sub.fail(name, "unknown field")
                    }
                }
                self.changes = changes
                r.merge(sub)
            case "files": files = r.stringArray(value, "files")
            case "request":
                guard let fields = r.object(value, "request") else { continue }
                var request = AuditEvent.Request()
                var sub = r.nested("request")
                for (name, field) in fields {
                    switch name {
                    case "method": request.method = sub.string(field, name)
                    case "path": request.path = sub.string(field, name)
                    case "correlation_id": request.correlationID = sub.string(field, name)
                    case "status": request.status = sub.integer(field, name).map { Int(clamping: $0) }
                    case "duration_ms": request.durationMS = sub.number(field, name)
                    case "headers": request.headers = sub.object(field, name)
                    default: sub.fail(name, "unknown field")
                    }
                }
                self.request = request
                r.merge(sub)
            case "risk_score": riskScore = r.integer(value, "risk_score").map { Int(clamping: $0) }
            case "location":
                guard let fields = r.object(value, "location") else { continue }
                var location = AuditEvent.Location()
                var sub = r.nested("location")
                for (name, field) in fields {
                    switch name {
                    case "country": location.country = sub.string(field, name)
                    case "region": location.region = sub.string(field, name)
                    case "city": location.city = sub.string(field, name)
                    default: sub.fail(name, "unknown field")
                    }
                }
                self.location = location
                r.merge(sub)
            case "tags": tags = r.stringArray(value, "tags")
            case "compliance": compliance = r.stringArray(value, "compliance")
            case "metadata":
                switch value {
                case .null: break
                case .object: metadata = value
                default: r.fail("metadata", "must be a JSON object")
                }
            case "seq", "received_at", "hash", "redacted": r.fail(key, "is set by the log, not by the producer")
            default: r.fail(key, "unknown field")
            }
        }
        if !sawAction || (action.isEmpty && object["action"] == .null) { r.fail("action", "is required") }
        r.sortErrors(order: Self.fieldOrder)
        try r.throwIfFailed()
    }

    /// The order errors are reported in: unknown fields first (by name), then the fields as the API lists them.
    static let fieldOrder: [String: Int] = Dictionary(uniqueKeysWithValues: [
        "action", "id", "time", "category", "severity", "outcome", "description", "comment", "actor", "resource",
        "changes", "files", "request", "risk_score", "location", "tags", "compliance", "metadata",
    ].enumerated().map { ($1, $0 + 1) })
}

/// Reads typed fields out of a JSON object and collects every type error with its field path.
struct FieldReader {
    var prefix: String
    var errors: [AuditTrailError.FieldError] = []

    init(prefix: String) { self.prefix = prefix }

    mutating func fail(_ field: String, _ rule: String) {
        errors.append(.init(field: prefix + field, message: rule))
    }

    func nested(_ field: String) -> FieldReader { FieldReader(prefix: prefix + field + ".") }

    mutating func merge(_ other: FieldReader) { errors += other.errors }

    mutating func string(_ value: JSONValue, _ key: String) -> String? {
        switch value {
        case .null: return nil
        case .string(let s): return s
        default: fail(key, "must be a string, not \(value.typeName)"); return nil
        }
    }

    mutating func integer(_ value: JSONValue, _ key: String) -> Int64? {
        if value == .null { return nil }
        if let int = value.int64Value { return int }
        fail(key, "must be an integer"); return nil
    }

    mutating func number(_ value: JSONValue, _ key: String) -> Double? {
        if value == .null { return nil }
        if let double = value.doubleValue { return double }
        fail(key, "must be a number"); return nil
    }

    mutating func object(_ value: JSONValue, _ key: String) -> [String: JSONValue]? {
        switch value {
        case .null: return nil
        case .object(let o): return o
        default: fail(key, "must be a JSON object, not \(value.typeName)"); return nil
        }
    }

    mutating func stringArray(_ value: JSONValue, _ key: String) -> [String] {
        switch value {
        case .null: return []
        case .array(let array):
            var out: [String] = []
            out.reserveCapacity(array.count)
            for (index, element) in array.enumerated() {
                if case .string(let s) = element { out.append(s) } else { fail("\(key)[\(index)]", "must be a string") }
            }
            return out
        default: fail(key, "must be an array of strings, not \(value.typeName)"); return []
        }
    }

    /// Deterministic error order: unknown fields first by name, then by `order` of the top-level
    /// field (nested fields sort under their parent), then by name.
    mutating func sortErrors(order: [String: Int]) {
        guard errors.count > 1 else { return }
        func rank(_ error: AuditTrailError.FieldError) -> (Int, String) {
            let field = error.field.dropFirst(prefix.count)
            let top = field.prefix { $0 != "." && $0 != "[" }
            let unknown = error.message == "unknown field" || error.message.hasPrefix("is set by the log")
            return (unknown && !field.contains(".") ? 0 : order[String(top)] ?? 99, String(field))
        }
        errors = errors.enumerated().sorted { a, b in
            let (ra, rb) = (rank(a.element), rank(b.element))
            if ra.0 != rb.0 { return ra.0 < rb.0 }
            if ra.0 == 0 { return ra.1 < rb.1 }
            return a.offset < b.offset
        }.map(\.element)
    }

    func throwIfFailed() throws(AuditTrailError) {
        guard !errors.isEmpty else { return }
        let summary = errors.count == 1 ? "\(errors[0].field): \(errors[0].message)" : "\(errors.count) fields are invalid"
        throw AuditTrailError(.invalidInput, summary, fieldErrors: errors)
    }
}
