extension AuditEventInput {
    /// The event as the API's JSON object: the inverse of ``init(json:fieldPrefix:)``, so that
    /// `AuditEventInput(json: input.jsonObject) == input`. Absent optionals and empty lists are
    /// left out.
    ///
    /// ```swift
    /// let input = AuditEventInput(action: "user.login", actor: .init(id: "u-1"))
    /// input.jsonObject  // {"action": "user.login", "actor": {"id": "u-1"}}
    /// ```
    public var jsonObject: JSONValue {
        var object: [String: JSONValue] = ["action": .string(action)]
        object["id"] = id.map(JSONValue.string)
        object["time"] = time.map { .string($0.rfc3339) }
        object["category"] = category.map(JSONValue.string)
        object["severity"] = severity.map { .string($0.rawValue) }
        object["outcome"] = outcome.map { .string($0.rawValue) }
        object["description"] = description.map(JSONValue.string)
        object["comment"] = comment.map(JSONValue.string)
        if let actor {
            object["actor"] = Self.members([
                ("id", actor.id), ("name", actor.name), ("type", actor.type), ("ip", actor.ip),
                ("user_agent", actor.userAgent), ("session_id", actor.sessionID),
            ])
        }
        if let resource {
            object["resource"] = Self.members([
                ("type", resource.type), ("id", resource.id), ("name", resource.name), ("namespace", resource.namespace),
            ])
        }
        if let changes {
            var members: [String: JSONValue] = [:]
            members["before"] = changes.before
            members["after"] = changes.after
            object["changes"] = .object(members)
        }
        if let request {
            var members = Self.strings([("method", request.method), ("path", request.path)])
            members["correlation_id"] = request.correlationID.map(JSONValue.string)
            members["status"] = request.status.map { .int(Int64($0)) }
            members["duration_ms"] = request.durationMS.map(JSONValue.double)
            members["headers"] = request.headers.map(JSONValue.object)
            object["request"] = .object(members)
        }
        if let location {
            object["location"] = Self.members([("country", location.country), ("region", location.region), ("city", location.city)])
        }
        object["risk_score"] = riskScore.map { .int(Int64($0)) }
        if !files.isEmpty { object["files"] = .array(files.map(JSONValue.string)) }
        if !tags.isEmpty { object["tags"] = .array(tags.map(JSONValue.string)) }
        if !compliance.isEmpty { object["compliance"] = .array(compliance.map(JSONValue.string)) }
        object["metadata"] = metadata
        return .object(object)
    }

    /// The event as the API's JSON text (one line, keys sorted): what `POST /v1/events` takes and
    /// one line of an NDJSON batch. The same bytes as `CanonicalJSON.encode(jsonObject)`, written
    /// straight from the fields in key order (no dictionaries; the client's spool writes one per
    /// event).
    ///
    /// ```swift
    /// let line = AuditEventInput(action: "data.export").jsonBytes  // {"action":"data.export"}
    /// ```
    public var jsonBytes: [UInt8] {
        var w = AuditEventCanonicalParts.KeyWriter(capacity: 1024)
        w.string("action", action)
        w.actor(actor)
        w.optional("category", category)
        w.changes(changes)
        w.optional("comment", comment)
        w.list("compliance", compliance)
        w.optional("description", description)
        w.list("files", files)
        w.optional("id", id)
        w.location(location)
        w.json("metadata", metadata)
        w.optional("outcome", outcome?.rawValue)
        w.request(request)
        w.resource(resource)
        w.int("risk_score", riskScore)
        w.optional("severity", severity?.rawValue)
        w.list("tags", tags)
        w.time("time", time)
        w.out.append(UInt8(ascii: "}"))
        return w.out
    }

    /// An object of the string members that are set.
    private static func members(_ pairs: [(String, String?)]) -> JSONValue { .object(strings(pairs)) }

    /// The string members that are set.
    private static func strings(_ pairs: [(String, String?)]) -> [String: JSONValue] {
        var object: [String: JSONValue] = [:]
        for (name, value) in pairs {
            if let value { object[name] = .string(value) }
        }
        return object
    }
}

extension AuditEventInput {
    /// The input that reproduces a validated event: every field as validation left it (id, time,
    /// category, severity and outcome filled in, secrets redacted). A client that spools this
    /// instead of the producer's input never writes a secret to its disk, and re-sending it is
    /// idempotent because it carries the id.
    ///
    /// ```swift
    /// let event = try AuditEventValidator().validate(AuditEventInput(action: "user.login"))
    /// let line = AuditEventInput(event).jsonBytes  // {"action":"user.login","category":…,"id":…,…}
    /// ```
    public init(_ event: AuditEvent) {
        self.init(
            id: event.id,
            time: event.time,
            action: event.action,
            category: event.category,
            severity: event.severity,
            outcome: event.outcome,
            description: event.description,
            actor: event.actor,
            resource: event.resource,
            changes: event.changes,
            files: event.files,
            comment: event.comment,
            request: event.request,
            riskScore: event.riskScore,
            location: event.location,
            tags: event.tags,
            compliance: event.compliance,
            metadata: event.metadata
        )
    }
}
