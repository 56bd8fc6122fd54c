extension AuditEventInput {
    /// Reads an input event from JSON bytes, checking JSON types and rejecting unknown fields.
    /// Problems are collected, so one 400 names every bad field, up to
    /// ``AuditTrailError/maxFieldErrors``: there reading stops. The bytes are read once, in
    /// place: only `metadata`, `changes` and `request.headers` become ``JSONValue`` trees.
    ///
    /// - Parameters:
    ///   - prefix: prepended to field names in errors (`"[3]."` for the fourth event of a batch).
    ///   - limits: the sizes checked while reading, before any work grows with the input; by
    ///     default the default validator's (``AuditEventValidator/Configuration/jsonLimits``).
    public init(
        jsonBytes bytes: some Collection<UInt8>,
        fieldPrefix prefix: String = "",
        limits: JSONParser.Limits = .request
    ) throws(AuditTrailError) {
        self = try Self.read(jsonBytes: bytes, fieldPrefix: prefix, limits: limits).get()
    }

    /// Reads one event like ``init(jsonBytes:fieldPrefix:limits:)``, but keeps a JSON syntax error
    /// or a broken limit (thrown) apart from field errors (the failure), for callers that report
    /// them differently.
    public static func read(
        jsonBytes bytes: some Collection<UInt8>,
        fieldPrefix prefix: String = "",
        limits: JSONParser.Limits = .request
    ) throws(AuditTrailError) -> Result<AuditEventInput, AuditTrailError> {
        try JSONParser.read(bytes, limits: limits) { (parser: inout JSONParser.Parser) throws(AuditTrailError) in
            try Self.read(&parser, depth: 0, fieldPrefix: prefix)
        }
    }

    /// Reads an input event from an already parsed JSON value (same rules as
    /// ``init(jsonBytes:fieldPrefix:limits:)``, without its limits: the value is already built,
    /// and the validator checks the sizes).
    public init(json: JSONValue, fieldPrefix prefix: String = "") throws(AuditTrailError) {
        try self.init(jsonBytes: CanonicalJSON.encode(json), fieldPrefix: prefix, limits: .unlimited)
    }

    /// What a stored event's canonical bytes add to an input event.
    struct StoredFields {
        var seq: Int64?
        var receivedAt: AuditTime?
        var redacted: [String] = []
        var ingestedBy: String?
    }

    /// Reads one event starting at the parser's position. A JSON syntax error throws; field errors
    /// come back as the failure (the value was read to its end either way). With `stored`, the
    /// fields the log sets are read into it instead of being refused.
    static func read(
        _ parser: inout JSONParser.Parser,
        depth: Int,
        fieldPrefix prefix: String
    ) throws(AuditTrailError) -> Result<AuditEventInput, AuditTrailError> {
        var stored: StoredFields?
        return try read(&parser, depth: depth, fieldPrefix: prefix, stored: &stored)
    }

    static func read(
        _ parser: inout JSONParser.Parser,
        depth: Int,
        fieldPrefix prefix: String,
        stored: inout StoredFields?
    ) throws(AuditTrailError) -> Result<AuditEventInput, AuditTrailError> {
        guard parser.peek == UInt8(ascii: "{") else {
            _ = try parser.parseValue(depth: depth)
            return .failure(AuditTrailError.invalid(prefix.isEmpty ? "body" : String(prefix.dropLast()), "must be a JSON object"))
        }
        var r = FieldReader(prefix: prefix)
        var input = AuditEventInput(action: "")
        var sawAction = false
        var actionIsNull = false
        let inner = depth + 1
        let eventField = prefix.isEmpty ? "event" : String(prefix.dropLast())
        // Reads the value of the event's member `key`.
        func readMember(_ p: inout JSONParser.Parser, _ key: String) throws(AuditTrailError) {
            switch key {
            case "action":
                sawAction = true
                actionIsNull = p.peek == UInt8(ascii: "n")
                input.action = try p.string(&r, key, depth: inner) ?? ""
            case "id": input.id = try p.string(&r, key, depth: inner)
            case "time":
                if let text = try p.string(&r, key, depth: inner) {
                    if let time = AuditTime(rfc3339: text) {
                        input.time = time
                    } else {
                        r.fail(key, "must be an RFC 3339 time such as 2026-11-22T08:00:00.123Z")
                    }
                }
            case "category": input.category = try p.string(&r, key, depth: inner)
            case "severity":
                if let text = try p.string(&r, key, depth: inner) {
                    if let parsed = AuditSeverity(rawValue: text) {
                        input.severity = parsed
                    } else {
                        r.fail(key, "must be one of debug, info, warning, error, critical")
                    }
                }
            case "outcome":
                if let text = try p.string(&r, key, depth: inner) {
                    if let parsed = AuditOutcome(rawValue: text) {
                        input.outcome = parsed
                    } else {
                        r.fail(key, "must be one of success, failure, denied")
                    }
                }
            case "description": input.description = try p.string(&r, key, depth: inner)
            case "comment": input.comment = try p.string(&r, key, depth: inner)
            case "actor":
                var actor = AuditEvent.Actor()
                guard
                    try p.object(
                        &r,
                        key,
                        depth: inner,
                        { (p: inout JSONParser.Parser, sub: inout FieldReader, name: String) throws(AuditTrailError) in
                            switch name {
                            case "id": actor.id = try p.string(&sub, name, depth: inner + 1)
                            case "name": actor.name = try p.string(&sub, name, depth: inner + 1)
                            case "type": actor.type = try p.string(&sub, name, depth: inner + 1)
                            case "ip": actor.ip = try p.string(&sub, name, depth: inner + 1)
                            case "user_agent": actor.userAgent = try p.string(&sub, name, depth: inner + 1)
                            case "session_id": actor.sessionID = try p.string(&sub, name, depth: inner + 1)
                            default: try p.unknown(&sub, name, depth: inner + 1)
                            }
                        }
                    )
                else { return }
                input.actor = actor
            case "resource":
                var resource = AuditEvent.Resource()
                guard
                    try p.object(
                        &r,
                        key,
                        depth: inner,
                        { (p: inout JSONParser.Parser, sub: inout FieldReader, name: String) throws(AuditTrailError) in
                            switch name {
                            case "type": resource.type = try p.string(&sub, name, depth: inner + 1)
                            case "id": resource.id = try p.string(&sub, name, depth: inner + 1)
                            case "name": resource.name = try p.string(&sub, name, depth: inner + 1)
                            case "namespace": resource.namespace = try p.string(&sub, name, depth: inner + 1)
                            default: try p.unknown(&sub, name, depth: inner + 1)
                            }
                        }
                    )
                else { return }
                input.resource = resource
            case "changes":
                var changes = AuditEvent.Changes()
                guard
                    try p.object(
                        &r,
                        key,
                        depth: inner,
                        { (p: inout JSONParser.Parser, sub: inout FieldReader, name: String) throws(AuditTrailError) in
                            switch name {
                            case "before": changes.before = try p.parseValue(depth: inner + 1)
                            case "after": changes.after = try p.parseValue(depth: inner + 1)
                            default: try p.unknown(&sub, name, depth: inner + 1)
                            }
                        }
                    )
                else { return }
                input.changes = changes
            case "files": input.files = try p.stringArray(&r, key, depth: inner)
            case "request":
                var request = AuditEvent.Request()
                guard
                    try p.object(
                        &r,
                        key,
                        depth: inner,
                        { (p: inout JSONParser.Parser, sub: inout FieldReader, name: String) throws(AuditTrailError) in
                            switch name {
                            case "method": request.method = try p.string(&sub, name, depth: inner + 1)
                            case "path": request.path = try p.string(&sub, name, depth: inner + 1)
                            case "correlation_id": request.correlationID = try p.string(&sub, name, depth: inner + 1)
                            case "status": request.status = sub.integer(try p.parseValue(depth: inner + 1), name).map { Int(clamping: $0) }
                            case "duration_ms": request.durationMS = sub.number(try p.parseValue(depth: inner + 1), name)
                            case "headers": request.headers = sub.object(try p.parseValue(depth: inner + 1), name)
                            default: try p.unknown(&sub, name, depth: inner + 1)
                            }
                        }
                    )
                else { return }
                input.request = request
            case "risk_score": input.riskScore = r.integer(try p.parseValue(depth: inner), key).map { Int(clamping: $0) }
            case "location":
                var location = AuditEvent.Location()
                guard
                    try p.object(
                        &r,
                        key,
                        depth: inner,
                        { (p: inout JSONParser.Parser, sub: inout FieldReader, name: String) throws(AuditTrailError) in
                            switch name {
                            case "country": location.country = try p.string(&sub, name, depth: inner + 1)
                            case "region": location.region = try p.string(&sub, name, depth: inner + 1)
                            case "city": location.city = try p.string(&sub, name, depth: inner + 1)
                            default: try p.unknown(&sub, name, depth: inner + 1)
                            }
                        }
                    )
                else { return }
                input.location = location
            case "tags": input.tags = try p.stringArray(&r, key, depth: inner)
            case "compliance": input.compliance = try p.stringArray(&r, key, depth: inner)
            case "metadata":
                let value = try p.parseValue(depth: inner)
                switch value {
                case .null: break
                case .object: input.metadata = value
                default: r.fail(key, "must be a JSON object")
                }
            case "seq" where stored != nil: stored?.seq = try p.parseValue(depth: inner).int64Value
            case "received_at" where stored != nil:
                stored?.receivedAt = try p.parseValue(depth: inner).stringValue.flatMap(AuditTime.init(rfc3339:))
            case "redacted" where stored != nil: stored?.redacted = try p.stringArray(&r, key, depth: inner)
            case "hash" where stored != nil: _ = try p.parseValue(depth: inner)
            case "ingested_by" where stored != nil: stored?.ingestedBy = try p.string(&r, key, depth: inner)
            case "seq", "received_at", "hash", "redacted", "ingested_by":
                r.fail(key, "is set by the log, not by the producer")
                _ = try p.parseValue(depth: inner)
            default: try p.unknown(&r, key, depth: inner)
            }
        }
        // The event's bytes are counted as it is read (an event of a batch has no length of its own).
        let outerEnd = parser.valueEnd
        let (start, room) = (parser.index, parser.limits.maxValueBytes)
        parser.valueEnd = room >= outerEnd - start ? outerEnd : start + room
        defer { parser.valueEnd = outerEnd }
        do throws(AuditTrailError) {
            try parser.members(depth: depth) { (p: inout JSONParser.Parser, key: String) throws(AuditTrailError) in
                do throws(AuditTrailError) {
                    try readMember(&p, key)
                } catch {
                    throw error.namingLimit(error.code == .tooLarge ? eventField : prefix + key)
                }
                if r.isFull { throw FieldReader.full }
            }
        } catch {
            guard error.message == FieldReader.full.message, error.fieldErrors.isEmpty else { throw error.namingLimit(eventField) }
            r.sortErrors(order: Self.fieldOrder)
            try r.throwIfFailed()
        }
        if !sawAction || (input.action.isEmpty && actionIsNull) { r.fail("action", "is required") }
        r.sortErrors(order: Self.fieldOrder)
        do throws(AuditTrailError) { try r.throwIfFailed() } catch { return .failure(error) }
        return .success(input)
    }

    /// The order errors are reported in: unknown fields first (by name), then the fields as the API lists them.
    static let fieldOrder: [String: Int] = Dictionary(
        uniqueKeysWithValues: [
            "action", "id", "time", "category", "severity", "outcome", "description", "comment", "actor", "resource",
            "changes", "files", "request", "risk_score", "location", "tags", "compliance", "metadata",
        ].enumerated().map { ($1, $0 + 1) }
    )
}
