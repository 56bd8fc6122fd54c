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
        var reader = FieldReader(prefix: prefix)
        guard case .object(let object) = json else {
            throw AuditTrailError.invalid(prefix.isEmpty ? "body" : String(prefix.dropLast()), "must be a JSON object")
        }
        for key in object.keys.sorted() where !Self.knownFields.contains(key) {
            if Self.storedFields.contains(key) {
                reader.fail(key, "is set by the log, not by the producer")
            } else {
                reader.fail(key, "unknown field")
            }
        }
        let action = reader.string(object, "action")
        if action == nil, object["action"] == nil { reader.fail("action", "is required") }
        self.init(action: action ?? "")
        id = reader.string(object, "id")
        if let text = reader.string(object, "time") {
            if let time = AuditTime(rfc3339: text) { self.time = time } else { reader.fail("time", "must be an RFC 3339 time such as 2026-11-22T08:00:00.123Z") }
        }
        category = reader.string(object, "category")
        if let text = reader.string(object, "severity") {
            if let value = AuditSeverity(rawValue: text) { severity = value } else { reader.fail("severity", "must be one of debug, info, warning, error, critical") }
        }
        if let text = reader.string(object, "outcome") {
            if let value = AuditOutcome(rawValue: text) { outcome = value } else { reader.fail("outcome", "must be one of success, failure, denied") }
        }
        description = reader.string(object, "description")
        comment = reader.string(object, "comment")
        if let actorObject = reader.object(object, "actor") {
            var sub = reader.nested("actor")
            sub.rejectUnknown(actorObject, Self.actorFields)
            actor = AuditEvent.Actor(
                id: sub.string(actorObject, "id"), name: sub.string(actorObject, "name"), type: sub.string(actorObject, "type"),
                ip: sub.string(actorObject, "ip"), userAgent: sub.string(actorObject, "user_agent"),
                sessionID: sub.string(actorObject, "session_id"))
            reader.merge(sub)
        }
        if let resourceObject = reader.object(object, "resource") {
            var sub = reader.nested("resource")
            sub.rejectUnknown(resourceObject, Self.resourceFields)
            resource = AuditEvent.Resource(
                type: sub.string(resourceObject, "type"), id: sub.string(resourceObject, "id"),
                name: sub.string(resourceObject, "name"), namespace: sub.string(resourceObject, "namespace"))
            reader.merge(sub)
        }
        if let changesObject = reader.object(object, "changes") {
            var sub = reader.nested("changes")
            sub.rejectUnknown(changesObject, Self.changesFields)
            changes = AuditEvent.Changes(before: changesObject["before"], after: changesObject["after"])
            reader.merge(sub)
        }
        files = reader.stringArray(object, "files")
        if let requestObject = reader.object(object, "request") {
            var sub = reader.nested("request")
            sub.rejectUnknown(requestObject, Self.requestFields)
            var request = AuditEvent.Request(
                method: sub.string(requestObject, "method"), path: sub.string(requestObject, "path"),
                correlationID: sub.string(requestObject, "correlation_id"))
            request.status = sub.integer(requestObject, "status").map { Int($0) }
            request.durationMS = sub.number(requestObject, "duration_ms")
            request.headers = sub.object(requestObject, "headers")
            self.request = request
            reader.merge(sub)
        }
        riskScore = reader.integer(object, "risk_score").map { Int(clamping: $0) }
        if let locationObject = reader.object(object, "location") {
            var sub = reader.nested("location")
            sub.rejectUnknown(locationObject, Self.locationFields)
            location = AuditEvent.Location(
                country: sub.string(locationObject, "country"), region: sub.string(locationObject, "region"),
                city: sub.string(locationObject, "city"))
            reader.merge(sub)
        }
        tags = reader.stringArray(object, "tags")
        compliance = reader.stringArray(object, "compliance")
        if let value = object["metadata"], value != .null {
            if case .object = value { metadata = value } else { reader.fail("metadata", "must be a JSON object") }
        }
        try reader.throwIfFailed()
    }

    static let knownFields: Set<String> = [
        "id", "time", "action", "category", "severity", "outcome", "description", "actor", "resource", "changes",
        "files", "comment", "request", "risk_score", "location", "tags", "compliance", "metadata",
    ]
    static let storedFields: Set<String> = ["seq", "received_at", "hash", "redacted"]
    static let actorFields: Set<String> = ["id", "name", "type", "ip", "user_agent", "session_id"]
    static let resourceFields: Set<String> = ["type", "id", "name", "namespace"]
    static let changesFields: Set<String> = ["before", "after"]
    static let requestFields: Set<String> = ["method", "path", "status", "duration_ms", "correlation_id", "headers"]
    static let locationFields: Set<String> = ["country", "region", "city"]
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

    mutating func rejectUnknown(_ object: [String: JSONValue], _ known: Set<String>) {
        for key in object.keys.sorted() where !known.contains(key) { fail(key, "unknown field") }
    }

    mutating func string(_ object: [String: JSONValue], _ key: String) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let other?: fail(key, "must be a string, not \(other.typeName)"); return nil
        }
    }

    mutating func integer(_ object: [String: JSONValue], _ key: String) -> Int64? {
        switch object[key] {
        case nil, .null?: return nil
        case let value?:
            if let int = value.int64Value { return int }
            fail(key, "must be an integer"); return nil
        }
    }

    mutating func number(_ object: [String: JSONValue], _ key: String) -> Double? {
        switch object[key] {
        case nil, .null?: return nil
        case let value?:
            if let double = value.doubleValue { return double }
            fail(key, "must be a number"); return nil
        }
    }

    mutating func object(_ object: [String: JSONValue], _ key: String) -> [String: JSONValue]? {
        switch object[key] {
        case nil, .null?: return nil
        case .object(let o)?: return o
        case let other?: fail(key, "must be a JSON object, not \(other.typeName)"); return nil
        }
    }

    mutating func stringArray(_ object: [String: JSONValue], _ key: String) -> [String] {
        switch object[key] {
        case nil, .null?: return []
        case .array(let array)?:
            var out: [String] = []
            for (index, element) in array.enumerated() {
                if case .string(let s) = element { out.append(s) } else { fail("\(key)[\(index)]", "must be a string") }
            }
            return out
        case let other?: fail(key, "must be an array of strings, not \(other.typeName)"); return []
        }
    }

    func throwIfFailed() throws(AuditTrailError) {
        guard !errors.isEmpty else { return }
        let summary = errors.count == 1 ? "\(errors[0].field): \(errors[0].message)" : "\(errors.count) fields are invalid"
        throw AuditTrailError(.invalidInput, summary, fieldErrors: errors)
    }
}
