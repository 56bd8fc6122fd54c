/// Events as OCSF 1.3.0 JSON (the Open Cybersecurity Schema Framework), one object per line.
///
/// | events | class | activity |
/// |---|---|---|
/// | category `authentication`, a login/logout/MFA action | Authentication 3002 | Logon 1, Logoff 2 |
/// | category `user_management` (the changed user is the resource, else the actor) | Account Change 3001 | Create 1, Enable 2, Password Change 3, Password Reset 4, Disable 5, Delete 6, Lock 9, MFA Factor Enable 10 / Disable 11, else Other 99 |
/// | category `authorization` | Authorize Session 3003 | Assign Privileges 1, Assign Groups 2 (`group` in the action) |
/// | categories `data`, `api`, `file`, `configuration`, `admin`, and any other event that creates, reads, updates or deletes a resource or was an HTTP request — with an actor and an ip | API Activity 6003 | Create 1, Read 2, Update 3, Delete 4 (``AuditActionVerb``), else Other 99 |
/// | everything else, and any event lacking what its class requires (a user; for API Activity an actor and a source ip) | Base Event 0 | Other 99 |
///
/// The deprecated User Access Management class (3005) is never used. Every object carries
/// `metadata` (product AuditTrail and its version, `uid` = the event id, `sequence` = seq,
/// `correlation_uid`, `logged_time` = when the log committed it, `event_code` = the action,
/// `labels` = tags), `time`, `severity_id` (debug and info 1, warning 3, error 4, critical 5),
/// `status_id` (success 1, failure and denied 2, with `status_detail` `denied`), `message`, and
/// `unmapped` with seq, the chain hash and whatever the class has no attribute for (metadata,
/// changes, files, comment, risk score, compliance, redacted paths, who ingested it; on Base
/// Event also the actor, source, request and resource).
public enum AuditOCSFFormat {
    /// The OCSF version the objects follow.
    public static let schemaVersion = "1.3.0"

    /// An OCSF class and activity for an event.
    public struct Classification: Sendable, Hashable {
        public var classUID: Int
        public var className: String
        public var categoryUID: Int
        public var categoryName: String
        public var activityID: Int
        public var activityName: String

        /// A class of the Identity & Access Management category.
        static func iam(_ classUID: Int, _ className: String, _ activityID: Int, _ activityName: String) -> Classification {
            .init(
                classUID: classUID,
                className: className,
                categoryUID: 3,
                categoryName: "Identity & Access Management",
                activityID: activityID,
                activityName: activityName
            )
        }
    }

    /// One event's line (with LF).
    public static func line(_ event: AuditEvent) -> [UInt8] {
        var out = CanonicalJSON.encode(.object(object(event)))
        out.append(0x0A)
        return out
    }

    /// The class an event maps to (see the table above).
    public static func classify(_ event: AuditEvent) -> Classification {
        let action = event.action.lowercased()
        let words = Set(action.split(whereSeparator: { $0 == "." || $0 == "_" || $0 == "-" }).map(String.init))
        func has(_ any: String...) -> Bool { any.contains { words.contains($0) } }
        let hasUser = user(for: event) != nil
        switch event.category {
        case "authentication" where hasUser && has("logout", "logoff", "signout"):
            return .iam(3002, "Authentication", 2, "Logoff")
        case "authentication" where hasUser && (has("login", "logon", "signin", "mfa", "2fa") || action.contains("sign_in")):
            return .iam(3002, "Authentication", 1, "Logon")
        case "user_management" where hasUser:
            let (id, name) = accountActivity(action: action, has: has)
            return .iam(3001, "Account Change", id, name)
        case "authorization" where hasUser:
            let groups = has("group", "groups")
            return .iam(3003, "Authorize Session", groups ? 2 : 1, groups ? "Assign Groups" : "Assign Privileges")
        case _ where isAPIActivity(event):
            let verb = AuditActionVerb(action: action, method: event.request?.method)
            let (id, name): (Int, String) =
                switch verb {
                case .create: (1, "Create")
                case .read: (2, "Read")
                case .update: (3, "Update")
                case .delete: (4, "Delete")
                case .other: (99, "Other")
                }
            return .init(
                classUID: 6003,
                className: "API Activity",
                categoryUID: 6,
                categoryName: "Application Activity",
                activityID: id,
                activityName: name
            )
        default:
            return .init(
                classUID: 0,
                className: "Base Event",
                categoryUID: 0,
                categoryName: "Uncategorized",
                activityID: 99,
                activityName: "Other"
            )
        }
    }

    /// The categories whose events are API Activity; an event of another category is one when
    /// it creates, reads, updates or deletes a resource, or was an HTTP request.
    static let apiCategories: Set<String> = ["data", "api", "file", "configuration", "admin"]

    static func isAPIActivity(_ event: AuditEvent) -> Bool {
        guard actorUser(event) != nil, event.actor?.ip != nil else { return false }
        if apiCategories.contains(event.category) { return true }
        guard event.resource != nil || event.request != nil else { return false }
        return AuditActionVerb(action: event.action.lowercased(), method: event.request?.method) != .other
    }

    static func accountActivity(action: String, has: (String...) -> Bool) -> (Int, String) {
        if has("2fa", "mfa") && has("enabled", "enable", "added") { return (10, "MFA Factor Enable") }
        if has("2fa", "mfa") && has("disabled", "disable", "removed") { return (11, "MFA Factor Disable") }
        if has("password") && has("reset") { return (4, "Password Reset") }
        if has("password") { return (3, "Password Change") }
        if has("created", "create", "registered", "invited", "signup") { return (1, "Create") }
        if has("activated", "enabled", "enable", "unlocked", "reactivated") { return (2, "Enable") }
        if has("deactivated", "disabled", "disable", "suspended") { return (5, "Disable") }
        if has("deleted", "delete", "removed") { return (6, "Delete") }
        if has("locked", "lock") { return (9, "Lock") }
        return (99, "Other")
    }

    /// The OCSF object of one event.
    public static func object(_ event: AuditEvent) -> [String: JSONValue] {
        let kind = classify(event)
        var out: [String: JSONValue] = [
            "class_uid": .int(Int64(kind.classUID)), "class_name": .string(kind.className),
            "category_uid": .int(Int64(kind.categoryUID)), "category_name": .string(kind.categoryName),
            "activity_id": .int(Int64(kind.activityID)), "activity_name": .string(kind.activityName),
            "type_uid": .int(Int64(kind.classUID * 100 + kind.activityID)),
            "type_name": .string("\(kind.className): \(kind.activityName)"),
            "time": .int(event.time.milliseconds),
            "severity_id": .int(severityID(event.severity)), "severity": .string(severityName(event.severity)),
            "status_id": .int(event.outcome == .success ? 1 : 2), "status": .string(event.outcome == .success ? "Success" : "Failure"),
            "message": .string(event.description ?? event.action),
            "metadata": metadata(event),
        ]
        if event.outcome == .denied { out["status_detail"] = .string("denied") }
        if let status = event.request?.status { out["status_code"] = .string(String(status)) }
        var unmapped: [String: JSONValue] = ["seq": .int(event.seq), "category": .string(event.category)]
        if let hash = event.hash { unmapped["hash"] = .string(hash) }
        unmapped["metadata"] = event.metadata
        if let changes = event.changes {
            unmapped["changes"] = .object(["before": changes.before, "after": changes.after].compactMapValues { $0 })
        }
        if !event.files.isEmpty { unmapped["files"] = .array(event.files.map(JSONValue.string)) }
        unmapped["comment"] = event.comment.map(JSONValue.string)
        unmapped["risk_score"] = event.riskScore.map { .int(Int64($0)) }
        if !event.compliance.isEmpty { unmapped["compliance"] = .array(event.compliance.map(JSONValue.string)) }
        if !event.redacted.isEmpty { unmapped["redacted"] = .array(event.redacted.map(JSONValue.string)) }
        unmapped["ingested_by"] = event.ingestedBy.map(JSONValue.string)
        unmapped["request_headers"] = event.request?.headers.map(JSONValue.object)
        unmapped["request_duration_ms"] = event.request?.durationMS.map(JSONValue.double)
        if let namespace = event.resource?.namespace, kind.classUID != 6003 { unmapped["resource_namespace"] = .string(namespace) }

        var attached: [String: JSONValue] = [:]
        attached["actor"] = actorObject(event)
        attached["src_endpoint"] = sourceEndpoint(event)
        attached["http_request"] = httpRequest(event)
        if let resource = event.resource { attached["resources"] = .array([resourceObject(resource)]) }
        switch kind.classUID {
        case 0:
            // Base Event has none of these attributes: they go to `unmapped`.
            for (key, value) in attached { unmapped[key] = value }
        case 6003:
            for (key, value) in attached { out[key] = value }
            var api: [String: JSONValue] = ["operation": .string(event.action)]
            if let correlation = event.request?.correlationID { api["request"] = .object(["uid": .string(correlation)]) }
            out["api"] = .object(api)
        default:
            for (key, value) in attached where key != "resources" { out[key] = value }
            attached["resources"].map { unmapped["resources"] = $0 }
            out["user"] = user(for: event).map(JSONValue.object)
            if kind.classUID != 3001, let session = event.actor?.sessionID { out["session"] = .object(["uid": .string(session)]) }
        }
        out["unmapped"] = .object(unmapped)
        return out
    }

    static func metadata(_ event: AuditEvent) -> JSONValue {
        var metadata: [String: JSONValue] = [
            "version": .string(schemaVersion),
            "product": .object([
                "name": .string(AuditTrailProduct.name), "vendor_name": .string(AuditTrailProduct.vendor),
                "version": .string(AuditTrailProduct.version),
            ]),
            "uid": .string(event.id), "sequence": .int(event.seq), "logged_time": .int(event.receivedAt.milliseconds),
            "event_code": .string(event.action), "log_name": .string("audittrail"),
        ]
        metadata["correlation_uid"] = event.request?.correlationID.map(JSONValue.string)
        if !event.tags.isEmpty { metadata["labels"] = .array(event.tags.map(JSONValue.string)) }
        return .object(metadata)
    }

    static func severityID(_ severity: AuditSeverity) -> Int64 {
        switch severity {
        case .debug, .info: 1
        case .warning: 3
        case .error: 4
        case .critical: 5
        }
    }

    static func severityName(_ severity: AuditSeverity) -> String {
        switch severity {
        case .debug, .info: "Informational"
        case .warning: "Medium"
        case .error: "High"
        case .critical: "Critical"
        }
    }

    /// The actor as an OCSF user, nil without an id or a name.
    static func actorUser(_ event: AuditEvent) -> [String: JSONValue]? {
        guard let actor = event.actor, actor.id != nil || actor.name != nil else { return nil }
        var user: [String: JSONValue] = [:]
        user["uid"] = actor.id.map(JSONValue.string)
        user["name"] = actor.name.map(JSONValue.string)
        if let type = actor.type {
            let id: Int64 =
                switch type {
                case "user": 1
                case "admin": 2
                case "system", "service": 3
                default: 99
                }
            user["type_id"] = .int(id)
            user["type"] = .string(id == 99 ? type : ["", "User", "Admin", "System"][Int(id)])
        }
        return user
    }

    /// The user an IAM event is about: for account changes the resource when it is a user or an
    /// account, else the actor.
    static func user(for event: AuditEvent) -> [String: JSONValue]? {
        if event.category == "user_management", let resource = event.resource, ["user", "account"].contains(resource.type ?? ""),
            resource.id != nil || resource.name != nil
        {
            var user: [String: JSONValue] = [:]
            user["uid"] = resource.id.map(JSONValue.string)
            user["name"] = resource.name.map(JSONValue.string)
            return user
        }
        return actorUser(event)
    }

    static func actorObject(_ event: AuditEvent) -> JSONValue? {
        guard let user = actorUser(event) else { return nil }
        var actor: [String: JSONValue] = ["user": .object(user)]
        if let session = event.actor?.sessionID { actor["session"] = .object(["uid": .string(session)]) }
        return .object(actor)
    }

    static func sourceEndpoint(_ event: AuditEvent) -> JSONValue? {
        guard let ip = event.actor?.ip else { return nil }
        var endpoint: [String: JSONValue] = ["ip": .string(ip)]
        if let location = event.location {
            var place: [String: JSONValue] = [:]
            place["country"] = location.country.map(JSONValue.string)
            place["region"] = location.region.map(JSONValue.string)
            place["city"] = location.city.map(JSONValue.string)
            if !place.isEmpty { endpoint["location"] = .object(place) }
        }
        return .object(endpoint)
    }

    static func httpRequest(_ event: AuditEvent) -> JSONValue? {
        var request: [String: JSONValue] = [:]
        request["http_method"] = event.request?.method.map(JSONValue.string)
        if let path = event.request?.path { request["url"] = .object(["path": .string(path)]) }
        request["user_agent"] = event.actor?.userAgent.map(JSONValue.string)
        request["uid"] = event.request?.correlationID.map(JSONValue.string)
        return request.isEmpty ? nil : .object(request)
    }

    static func resourceObject(_ resource: AuditEvent.Resource) -> JSONValue {
        var out: [String: JSONValue] = [:]
        out["uid"] = resource.id.map(JSONValue.string)
        out["type"] = resource.type.map(JSONValue.string)
        out["name"] = resource.name.map(JSONValue.string)
        out["namespace"] = resource.namespace.map(JSONValue.string)
        return .object(out)
    }
}
