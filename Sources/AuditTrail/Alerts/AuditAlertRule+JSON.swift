extension AuditAlertRule {
    /// A new rule from an admin's request body, every broken rule named by its field:
    /// `{"name","query","kind"?,"threshold"?,"window_seconds"?,"group_by"?,"value_field"?,
    /// "webhook_url"?,"secret"?,"enabled"?}` (defaults: `threshold` kind, 5 events, 60 s,
    /// grouped by `actor.ip`; a webhook's secret is generated when not given).
    public static func parse(request value: JSONValue, id: String, createdAt: AuditTime, createdBy: String) throws(AuditTrailError) -> AuditAlertRule
    {
        var r = FieldReader(prefix: "")
        guard let object = r.object(value, "body") else { throw AuditTrailError.invalid("body", "must be a JSON object") }
        r.refuseUnknown(
            object,
            allowed: ["name", "query", "kind", "threshold", "window_seconds", "group_by", "value_field", "webhook_url", "secret", "enabled"]
        )
        let name = r.text(object, "name", required: true, maxLength: 128)
        let query = r.text(object, "query", required: true, maxLength: 4096)
        if let query {
            do throws(AuditTrailError) {
                _ = try AuditQuery(parameters: [("q", query)])
            } catch {
                r.fail("query", error.fieldErrors.first?.message ?? error.message)
            }
        }
        var kind = Kind.threshold
        if let text = r.text(object, "kind", required: false, maxLength: 16) {
            if let parsed = Kind(rawValue: text) { kind = parsed } else { r.fail("kind", "must be threshold or new_value") }
        }
        let threshold = r.integer(object, "threshold", in: 1...10_000, default: 5)
        let window = r.integer(object, "window_seconds", in: 1...86_400, default: 60)
        let groupBy = field(&r, object, "group_by") ?? .actorIP
        let valueField = field(&r, object, "value_field")
        if kind == .newValue, valueField == nil { r.fail("value_field", "is required for a new_value rule (the field whose new values fire)") }
        if kind == .threshold, valueField != nil { r.fail("value_field", "is only for a new_value rule") }
        let url = r.text(object, "webhook_url", required: false, maxLength: 2048)
        if let url, let rule = AuditWebhookURL.problem(url) { r.fail("webhook_url", rule) }
        var secret = r.text(object, "secret", required: false, maxLength: 256)
        if let given = secret, given.count < 16 { r.fail("secret", "must be at least 16 characters") }
        if secret != nil, url == nil { r.fail("secret", "is only for a rule with a webhook_url") }
        if url != nil, secret == nil { secret = AuditStreamSignature.generateSecret() }
        var enabled = true
        if let member = object["enabled"] {
            if case .bool(let flag) = member { enabled = flag } else { r.fail("enabled", "must be true or false") }
        }
        try r.throwIfFailed()
        guard let name, let query else { throw AuditTrailError.invalid("body", "is incomplete") }
        return AuditAlertRule(
            id: id,
            name: name,
            query: query,
            kind: kind,
            threshold: Int(threshold),
            windowSeconds: Int(window),
            groupBy: groupBy,
            valueField: valueField,
            webhookURL: url,
            secret: secret,
            enabled: enabled,
            createdAt: createdAt,
            createdBy: createdBy
        )
    }

    static func field(_ r: inout FieldReader, _ object: [String: JSONValue], _ key: String) -> AuditAlertField? {
        guard let text = r.text(object, key, required: false, maxLength: 32) else { return nil }
        guard let field = AuditAlertField(rawValue: text) else {
            r.fail(key, "must be one of \(AuditAlertField.names)")
            return nil
        }
        return field
    }

    /// What `GET /v1/alert-rules` shows: every field but the secret.
    public var publicJSON: JSONValue {
        .object([
            "id": .string(id), "name": .string(name), "query": .string(query), "kind": .string(kind.rawValue),
            "threshold": .int(Int64(threshold)), "window_seconds": .int(Int64(windowSeconds)), "group_by": .string(groupBy.rawValue),
            "value_field": valueField.map { .string($0.rawValue) } ?? .null, "webhook_url": webhookURL.map(JSONValue.string) ?? .null,
            "enabled": .bool(enabled), "built_in": .bool(isBuiltIn), "created_at": .string(createdAt.rfc3339),
            "created_by": .string(createdBy),
        ])
    }

    /// The stored form: ``publicJSON`` with the secret and the creation time in milliseconds.
    var stored: JSONValue { storedDefinition(publicJSON, createdAt: createdAt, secret: secret) }

    /// Reads the stored form; nil for a tombstone or anything else.
    init?(stored value: JSONValue) {
        guard let object = value.objectValue, object["deleted_at"] == nil,
            let id = object["id"]?.stringValue, let name = object["name"]?.stringValue, let query = object["query"]?.stringValue,
            let kind = object["kind"]?.stringValue.flatMap(Kind.init(rawValue:)),
            let groupBy = object["group_by"]?.stringValue.flatMap(AuditAlertField.init(rawValue:)),
            let created = object["created_at"]?.int64Value
        else { return nil }
        self.init(
            id: id,
            name: name,
            query: query,
            kind: kind,
            threshold: Int(object["threshold"]?.int64Value ?? 5),
            windowSeconds: Int(object["window_seconds"]?.int64Value ?? 60),
            groupBy: groupBy,
            valueField: object["value_field"]?.stringValue.flatMap(AuditAlertField.init(rawValue:)),
            webhookURL: object["webhook_url"]?.stringValue,
            secret: object["secret"]?.stringValue,
            enabled: object["enabled"] != .bool(false),
            createdAt: AuditTime(milliseconds: created),
            createdBy: object["created_by"]?.stringValue ?? ""
        )
    }
}
