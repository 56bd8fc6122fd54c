/// The actions AuditTrail knows, each with its category and default severity.
///
/// Unknown but well-formed actions are accepted; their category comes from the first segment
/// (``category(forUnknownAction:)``) and the store lists them as "seen".
///
/// ```swift
/// AuditActionCatalog.standard["user.login_failed"]?.defaultSeverity   // .warning
/// ```
public struct AuditActionCatalog: Sendable {
    /// One known action.
    public struct Entry: Sendable, Hashable {
        public var action: String
        public var category: String
        public var defaultSeverity: AuditSeverity
        public var summary: String
        public init(_ action: String, _ category: String, _ severity: AuditSeverity, _ summary: String) {
            self.action = action
            self.category = category
            self.defaultSeverity = severity
            self.summary = summary
        }
    }

    public let entries: [Entry]
    private let byAction: [String: Entry]

    public init(entries: [Entry]) {
        self.entries = entries
        self.byAction = Dictionary(entries.map { ($0.action, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(action: String) -> Entry? { byAction[action] }

    /// The category of an action not in the catalog: its first segment, mapped to a category name.
    public func category(forUnknownAction action: String) -> String {
        let first = action.split(separator: ".", maxSplits: 1).first.map(String.init) ?? action
        return Self.segmentCategories[first] ?? first
    }

    static let segmentCategories: [String: String] = [
        "auth": "authentication", "login": "authentication", "session": "authentication",
        "authz": "authorization", "permission": "authorization", "role": "authorization",
        "user": "user_management", "account": "user_management",
        "data": "data", "record": "data", "admin": "admin", "config": "configuration", "settings": "configuration",
        "security": "security", "system": "system", "api": "api", "http": "api", "file": "file",
        "repo": "version_control", "vcs": "version_control", "model": "version_control",
        "billing": "billing", "payment": "billing", "workflow": "workflow", "job": "workflow", "audit": "audit",
    ]

    /// The built-in catalog.
    public static let standard = AuditActionCatalog(entries: [
        // Authentication
        .init("user.login", "authentication", .info, "A user signed in"),
        .init("user.logout", "authentication", .info, "A user signed out"),
        .init("user.login_failed", "authentication", .warning, "A sign-in attempt failed"),
        .init("auth.login", "authentication", .info, "A sign-in succeeded (the middleware's login paths)"),
        .init("auth.login.failure", "authentication", .warning, "A sign-in was refused (401 at a login path)"),
        .init("auth.logout", "authentication", .info, "A sign-out (the middleware's logout paths)"),
        .init("auth.token.created", "authentication", .info, "An access token was issued"),
        .init("auth.token.refreshed", "authentication", .info, "An access token was refreshed"),
        .init("auth.token.expired", "authentication", .info, "An access token expired"),
        .init("auth.token.invalid", "authentication", .warning, "An invalid token was presented"),
        .init("auth.token.revoked", "authentication", .info, "An access token was revoked"),
        .init("auth.api_key.used", "authentication", .debug, "An API key was used"),
        .init("auth.api_key.created", "authentication", .info, "An API key was created"),
        .init("auth.api_key.revoked", "authentication", .info, "An API key was revoked"),
        .init("auth.mfa.challenge", "authentication", .info, "A second factor was requested"),
        .init("auth.mfa.failed", "authentication", .warning, "A second factor was wrong"),
        // Authorization
        .init("authz.granted", "authorization", .debug, "Access was granted"),
        .init("authz.denied", "authorization", .warning, "Access was denied"),
        .init("authz.permission.changed", "authorization", .warning, "A permission was changed"),
        .init("authz.role.changed", "authorization", .warning, "A role assignment was changed"),
        // User management
        .init("user.created", "user_management", .info, "A user was created"),
        .init("user.updated", "user_management", .info, "A user was updated"),
        .init("user.deleted", "user_management", .warning, "A user was deleted"),
        .init("user.password.changed", "user_management", .info, "A password was changed"),
        .init("user.password.reset", "user_management", .warning, "A password was reset"),
        .init("user.activated", "user_management", .info, "A user was activated"),
        .init("user.deactivated", "user_management", .warning, "A user was deactivated"),
        .init("user.2fa.enabled", "user_management", .info, "Two-factor authentication was turned on"),
        .init("user.2fa.disabled", "user_management", .warning, "Two-factor authentication was turned off"),
        // Data
        .init("data.read", "data", .debug, "Data was read"),
        .init("data.create", "data", .info, "Data was created"),
        .init("data.update", "data", .info, "Data was updated"),
        .init("data.delete", "data", .warning, "Data was deleted"),
        .init("data.export", "data", .warning, "Data was exported"),
        .init("data.import", "data", .info, "Data was imported"),
        .init("data.search", "data", .debug, "Data was searched"),
        // Admin and configuration
        .init("admin.action", "admin", .warning, "An administrative action"),
        .init("admin.impersonation.started", "admin", .warning, "An admin began acting as another user"),
        .init("admin.impersonation.ended", "admin", .info, "An admin stopped acting as another user"),
        .init("config.created", "configuration", .info, "A setting was created"),
        .init("config.updated", "configuration", .warning, "A setting was changed"),
        .init("config.deleted", "configuration", .warning, "A setting was removed"),
        // Security
        .init("security.suspicious_activity", "security", .error, "Suspicious activity was detected"),
        .init("security.rate_limit_exceeded", "security", .warning, "A rate limit was exceeded"),
        .init("security.breach_attempt", "security", .critical, "A breach attempt was detected"),
        .init("security.alert", "security", .error, "An alert rule fired"),
        // System
        .init("system.startup", "system", .info, "The system started"),
        .init("system.shutdown", "system", .info, "The system stopped"),
        .init("system.error", "system", .error, "A system error occurred"),
        // API calls (the middleware's defaults)
        .init("api.call", "api", .debug, "An API was called"),
        .init("http.get", "api", .debug, "An HTTP GET request"),
        .init("http.post", "api", .info, "An HTTP POST request"),
        .init("http.put", "api", .info, "An HTTP PUT request"),
        .init("http.patch", "api", .info, "An HTTP PATCH request"),
        .init("http.delete", "api", .warning, "An HTTP DELETE request"),
        // Files
        .init("file.upload", "file", .info, "A file was uploaded"),
        .init("file.download", "file", .info, "A file was downloaded"),
        .init("file.create", "file", .info, "A file was created"),
        .init("file.modify", "file", .info, "A file was changed"),
        .init("file.delete", "file", .warning, "A file was deleted"),
        // Version control of data and models
        .init("repo.commit", "version_control", .info, "Changes were committed"),
        .init("repo.push", "version_control", .info, "Changes were pushed"),
        .init("repo.pull_request.opened", "version_control", .info, "A pull request was opened"),
        .init("repo.pull_request.merged", "version_control", .info, "A pull request was merged"),
        .init("repo.pull_request.closed", "version_control", .info, "A pull request was closed"),
        .init("repo.clone", "version_control", .info, "A repository was cloned"),
        .init("repo.fetch", "version_control", .debug, "A repository was fetched"),
        .init("repo.merge", "version_control", .info, "Branches were merged"),
        .init("repo.comment", "version_control", .info, "A comment was added"),
        .init("repo.branch.created", "version_control", .info, "A branch was created"),
        .init("repo.branch.deleted", "version_control", .warning, "A branch was deleted"),
        // Billing
        .init("billing.purchase.initiated", "billing", .info, "A purchase was started"),
        .init("billing.purchase.completed", "billing", .info, "A purchase completed"),
        .init("billing.purchase.failed", "billing", .warning, "A purchase failed"),
        .init("billing.subscription.created", "billing", .info, "A subscription was created"),
        .init("billing.subscription.cancelled", "billing", .warning, "A subscription was cancelled"),
        .init("billing.refund.issued", "billing", .warning, "A refund was issued"),
        // Workflows
        .init("workflow.run.started", "workflow", .info, "A workflow run started"),
        .init("workflow.run.completed", "workflow", .info, "A workflow run completed"),
        .init("workflow.run.failed", "workflow", .error, "A workflow run failed"),
        .init("workflow.run.cancelled", "workflow", .warning, "A workflow run was cancelled"),
        // The log's own operations
        .init("audit.query", "audit", .info, "The audit log was read"),
        .init("audit.export", "audit", .warning, "The audit log was exported"),
        .init("audit.verify", "audit", .info, "The audit log was verified"),
        .init("audit.key.created", "audit", .warning, "An audit API key was created"),
        .init("audit.key.revoked", "audit", .warning, "An audit API key was revoked"),
        .init("audit.alert_rule.created", "audit", .warning, "An alert rule was created"),
        .init("audit.alert_rule.changed", "audit", .warning, "An alert rule was switched on or off"),
        .init("audit.alert_rule.deleted", "audit", .warning, "An alert rule was deleted"),
        .init("audit.retention.changed", "audit", .warning, "The retention window was changed"),
        .init("audit.retention.run", "audit", .info, "Old events were removed by retention"),
        .init("audit.store.migrated", "audit", .warning, "The stored format of the log was migrated"),
        .init("audit.reindex", "audit", .warning, "Data derived from the events (search index, rollups, counts) was rebuilt"),
        .init("audit.stream.created", "audit", .warning, "A stream of the audit log to another system was created"),
        .init("audit.stream.deleted", "audit", .warning, "A stream of the audit log to another system was deleted"),
        .init("audit.stream.recovered", "audit", .info, "A failing stream delivered again"),
    ])
}
