/// Typed helpers for data access, administrative actions and configuration changes.
///
/// ```swift
/// audit.record(.dataUpdate(.init(type: "invoice", id: "42"), by: user, before: ["total": 10], after: ["total": 12]))
/// audit.record(.configChange("smtp.host", by: admin, before: "mail-1", after: "mail-2"))
/// ```
extension AuditEventInput {
    /// `data.read`: `resource` was read (`recordCount` rows of it, when a list).
    public static func dataRead(_ resource: AuditEvent.Resource, by actor: AuditEvent.Actor? = nil, recordCount: Int? = nil) -> AuditEventInput {
        AuditEventInput(action: "data.read", actor: actor, resource: resource, metadata: .counted(recordCount))
    }

    /// `data.create`: `resource` was created with the stored state `after` (secrets are redacted).
    public static func dataCreate(_ resource: AuditEvent.Resource, by actor: AuditEvent.Actor? = nil, after: JSONValue? = nil) -> AuditEventInput {
        AuditEventInput(action: "data.create", actor: actor, resource: resource, changes: .some(before: nil, after: after))
    }

    /// `data.update`: `resource` changed from `before` to `after`.
    public static func dataUpdate(
        _ resource: AuditEvent.Resource,
        by actor: AuditEvent.Actor? = nil,
        before: JSONValue?,
        after: JSONValue?
    ) -> AuditEventInput {
        AuditEventInput(action: "data.update", actor: actor, resource: resource, changes: .some(before: before, after: after))
    }

    /// `data.delete`: `resource` was removed; `before` is what it held.
    public static func dataDelete(_ resource: AuditEvent.Resource, by actor: AuditEvent.Actor? = nil, before: JSONValue? = nil) -> AuditEventInput {
        AuditEventInput(action: "data.delete", actor: actor, resource: resource, changes: .some(before: before, after: nil))
    }

    /// `data.export`: `resource` left the system (`format`: csv, pdf…; `recordCount` rows).
    public static func dataExport(
        _ resource: AuditEvent.Resource,
        by actor: AuditEvent.Actor? = nil,
        format: String? = nil,
        recordCount: Int? = nil
    ) -> AuditEventInput {
        var metadata = JSONValue.counted(recordCount)?.objectValue ?? [:]
        if let format { metadata["format"] = .string(format) }
        return AuditEventInput(action: "data.export", actor: actor, resource: resource, metadata: metadata.isEmpty ? nil : .object(metadata))
    }

    /// `admin.action`: an administrative action, described, on `resource`, with before/after.
    public static func adminAction(
        _ description: String,
        by actor: AuditEvent.Actor? = nil,
        on resource: AuditEvent.Resource? = nil,
        before: JSONValue? = nil,
        after: JSONValue? = nil
    ) -> AuditEventInput {
        AuditEventInput(
            action: "admin.action",
            description: description,
            actor: actor,
            resource: resource,
            changes: .some(before: before, after: after)
        )
    }

    /// `config.created`, `config.updated` or `config.deleted` (before nil: created; after nil:
    /// deleted) for the setting `key`.
    public static func configChange(_ key: String, by actor: AuditEvent.Actor? = nil, before: JSONValue?, after: JSONValue?) -> AuditEventInput {
        let action =
            switch (before, after) {
            case (nil, .some): "config.created"
            case (.some, nil): "config.deleted"
            default: "config.updated"
            }
        return AuditEventInput(
            action: action,
            actor: actor,
            resource: .init(type: "config", id: key),
            changes: .some(before: before, after: after)
        )
    }

    /// `security.<kind>` (severity from the catalog unless given): suspicious activity, a rate
    /// limit, a breach attempt, or a kind of the app's own.
    public static func securityEvent(
        _ kind: AuditSecurityEventKind,
        description: String,
        actor: AuditEvent.Actor? = nil,
        severity: AuditSeverity? = nil,
        metadata: JSONValue? = nil
    ) -> AuditEventInput {
        AuditEventInput(
            action: "security." + kind.name,
            severity: severity,
            outcome: .denied,
            description: description,
            actor: actor,
            metadata: metadata
        )
    }
}

/// The kind of a security event: the last segment of its `security.*` action.
///
/// ```swift
/// audit.record(.securityEvent(.rateLimitExceeded, description: "120 logins/min from one IP"))
/// ```
public struct AuditSecurityEventKind: Sendable, Hashable {
    /// The action's last segment (lowercase letters, digits and `_`).
    public let name: String
    /// A kind of the app's own, e.g. `"impossible_travel"` → `security.impossible_travel`.
    public init(_ name: String) { self.name = name }
    /// `security.suspicious_activity` (error).
    public static let suspiciousActivity = AuditSecurityEventKind("suspicious_activity")
    /// `security.rate_limit_exceeded` (warning).
    public static let rateLimitExceeded = AuditSecurityEventKind("rate_limit_exceeded")
    /// `security.breach_attempt` (critical).
    public static let breachAttempt = AuditSecurityEventKind("breach_attempt")
}

extension JSONValue {
    /// `{"record_count": n}`, or nil.
    static func counted(_ count: Int?) -> JSONValue? {
        count.map { ["record_count": .int(Int64($0))] }
    }
}
