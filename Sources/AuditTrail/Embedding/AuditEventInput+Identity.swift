/// Typed helpers for sign-in, tokens, authorization and user management: each one call gives the
/// same ``AuditEventInput`` a producer would post, with the catalog's action.
///
/// ```swift
/// audit.record(.login(.init(id: "u-7", name: "alice", ip: "203.0.113.9"), method: "password"))
/// audit.record(.roleChanged(of: "u-9", by: admin, before: ["viewer"], after: ["editor"]))
/// ```
extension AuditEventInput {
    /// `auth.login`: `actor` signed in (`method`: password, sso, passkey…).
    public static func login(_ actor: AuditEvent.Actor, method: String? = nil) -> AuditEventInput {
        AuditEventInput(action: "auth.login", outcome: .success, actor: actor, metadata: .fields(["method": method]))
    }

    /// `auth.login.failure`: a sign-in as `actor` failed (`reason`: bad_password, locked, unknown_user…).
    public static func loginFailure(_ actor: AuditEvent.Actor, reason: String? = nil, method: String? = nil) -> AuditEventInput {
        AuditEventInput(
            action: "auth.login.failure",
            outcome: .failure,
            actor: actor,
            metadata: .fields(["reason": reason, "method": method])
        )
    }

    /// `auth.logout`: `actor` signed out.
    public static func logout(_ actor: AuditEvent.Actor) -> AuditEventInput {
        AuditEventInput(action: "auth.logout", actor: actor)
    }

    /// `auth.token.created`: a token (its id, never its secret) was issued.
    public static func tokenCreated(_ tokenID: String, by actor: AuditEvent.Actor? = nil, scopes: [String] = []) -> AuditEventInput {
        AuditEventInput(
            action: "auth.token.created",
            actor: actor,
            resource: .init(type: "token", id: tokenID),
            metadata: scopes.isEmpty ? nil : ["scopes": .array(scopes.map(JSONValue.string))]
        )
    }

    /// `auth.token.revoked`: a token was revoked.
    public static func tokenRevoked(_ tokenID: String, by actor: AuditEvent.Actor? = nil, reason: String? = nil) -> AuditEventInput {
        AuditEventInput(
            action: "auth.token.revoked",
            actor: actor,
            resource: .init(type: "token", id: tokenID),
            metadata: .fields(["reason": reason])
        )
    }

    /// `authz.granted` or `authz.denied` (outcome `denied`): `permission` on `resource`.
    public static func authorization(
        _ permission: String,
        on resource: AuditEvent.Resource? = nil,
        by actor: AuditEvent.Actor? = nil,
        granted: Bool
    ) -> AuditEventInput {
        AuditEventInput(
            action: granted ? "authz.granted" : "authz.denied",
            outcome: granted ? .success : .denied,
            actor: actor,
            resource: resource,
            metadata: ["permission": .string(permission)]
        )
    }

    /// `authz.role.changed`: the roles of user `userID`, before and after.
    public static func roleChanged(of userID: String, by actor: AuditEvent.Actor? = nil, before: [String], after: [String]) -> AuditEventInput {
        AuditEventInput(
            action: "authz.role.changed",
            actor: actor,
            resource: .user(userID),
            changes: .init(before: .array(before.map(JSONValue.string)), after: .array(after.map(JSONValue.string)))
        )
    }

    /// `authz.permission.changed`: the permissions of `subject` (a user, group or key), before and after.
    public static func permissionChanged(
        of subject: AuditEvent.Resource,
        by actor: AuditEvent.Actor? = nil,
        before: JSONValue?,
        after: JSONValue?
    ) -> AuditEventInput {
        AuditEventInput(action: "authz.permission.changed", actor: actor, resource: subject, changes: .init(before: before, after: after))
    }

    /// `user.created`: user `userID`, with what was stored (`after`; secrets are redacted).
    public static func userCreated(_ userID: String, by actor: AuditEvent.Actor? = nil, after: JSONValue? = nil) -> AuditEventInput {
        AuditEventInput(action: "user.created", actor: actor, resource: .user(userID), changes: .some(before: nil, after: after))
    }

    /// `user.updated`: user `userID`, before and after.
    public static func userUpdated(_ userID: String, by actor: AuditEvent.Actor? = nil, before: JSONValue?, after: JSONValue?) -> AuditEventInput {
        AuditEventInput(action: "user.updated", actor: actor, resource: .user(userID), changes: .some(before: before, after: after))
    }

    /// `user.deleted`: user `userID`, with what was removed (`before`).
    public static func userDeleted(_ userID: String, by actor: AuditEvent.Actor? = nil, before: JSONValue? = nil) -> AuditEventInput {
        AuditEventInput(action: "user.deleted", actor: actor, resource: .user(userID), changes: .some(before: before, after: nil))
    }

    /// `user.password.changed`: by the user (`actor` nil or the user) or by someone else.
    public static func passwordChanged(of userID: String, by actor: AuditEvent.Actor? = nil) -> AuditEventInput {
        AuditEventInput(action: "user.password.changed", actor: actor, resource: .user(userID))
    }

    /// `user.password.reset`: a reset (`method`: email_link, admin…).
    public static func passwordReset(of userID: String, by actor: AuditEvent.Actor? = nil, method: String? = nil) -> AuditEventInput {
        AuditEventInput(action: "user.password.reset", actor: actor, resource: .user(userID), metadata: .fields(["method": method]))
    }

    /// `user.2fa.enabled` or `user.2fa.disabled` for user `userID` (`method`: totp, webauthn, sms…).
    public static func twoFactor(enabled: Bool, for userID: String, by actor: AuditEvent.Actor? = nil, method: String? = nil) -> AuditEventInput {
        AuditEventInput(
            action: enabled ? "user.2fa.enabled" : "user.2fa.disabled",
            actor: actor,
            resource: .user(userID),
            metadata: .fields(["method": method])
        )
    }
}

extension AuditEvent.Resource {
    /// A user account as the resource of an event.
    public static func user(_ id: String) -> AuditEvent.Resource { .init(type: "user", id: id) }
}

extension AuditEvent.Changes {
    /// Before/after, or nil when both are nil (so an event carries no empty `changes`).
    static func some(before: JSONValue?, after: JSONValue?) -> AuditEvent.Changes? {
        before == nil && after == nil ? nil : AuditEvent.Changes(before: before, after: after)
    }
}

extension JSONValue {
    /// An object of the fields that have a value; nil when none has.
    static func fields(_ fields: KeyValuePairs<String, String?>) -> JSONValue? {
        var object: [String: JSONValue] = [:]
        for (key, value) in fields {
            if let value { object[key] = .string(value) }
        }
        return object.isEmpty ? nil : .object(object)
    }
}
