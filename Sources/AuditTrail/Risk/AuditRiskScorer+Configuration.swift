extension AuditRiskScorer {
    /// The points each reason adds; the score is their sum, capped at 100.
    ///
    /// The defaults rank what the seeds' systems flagged: a refusal or a burst of failures says
    /// more than a single failure, and an unusual hour alone stays low.
    public struct Weights: Sendable, Hashable {
        /// ``AuditRiskReason/sensitiveEndpoint``; default 20.
        public var sensitiveEndpoint = 20
        /// ``AuditRiskReason/failure``; default 20.
        public var failure = 20
        /// ``AuditRiskReason/denied``; default 30.
        public var denied = 30
        /// ``AuditRiskReason/adminAction``; default 25.
        public var adminAction = 25
        /// ``AuditRiskReason/unusualHour``; default 15.
        public var unusualHour = 15
        /// ``AuditRiskReason/newIP``; default 25.
        public var newIP = 25
        /// ``AuditRiskReason/failureBurst``; default 35.
        public var failureBurst = 35

        /// The default weights.
        public init() {}
    }

    /// What the scorer looks at and how much it remembers. Every field has a documented default.
    ///
    /// ```swift
    /// var configuration = AuditRiskScorer.Configuration()
    /// configuration.businessHours = 7..<19
    /// configuration.utcOffsetMinutes = 60          // Central European Time
    /// let scorer = AuditRiskScorer(configuration: configuration)
    /// ```
    public struct Configuration: Sendable {
        /// Points per reason.
        public var weights = Weights()
        /// Request paths that are sensitive, matched as whole leading segments (`/admin` matches
        /// `/admin` and `/admin/users`, not `/administrators`). Default: `/admin`, `/auth`,
        /// `/login`, `/keys`, `/users`, `/settings`.
        public var sensitivePathPrefixes = ["/admin", "/auth", "/login", "/keys", "/users", "/settings"]
        /// Resource types that are sensitive. Default: `api_key`, `credential`, `permission`,
        /// `role`, `secret`, `user`.
        public var sensitiveResourceTypes: Set<String> = ["api_key", "credential", "permission", "role", "secret", "user"]
        /// Action prefixes that are administrative. Default: `admin.`, `config.`,
        /// `authz.permission.`, `authz.role.`, `audit.key.`, `audit.retention.`, `user.deleted`.
        public var adminActionPrefixes = [
            "admin.", "config.", "authz.permission.", "authz.role.", "audit.key.", "audit.retention.", "user.deleted",
        ]
        /// Local hours (0–23) that are business hours. Default: 8..<18.
        public var businessHours = 8..<18
        /// ISO weekdays (1 = Monday … 7 = Sunday) that are business days. Default: Monday–Friday.
        public var businessDays: Set<Int> = [1, 2, 3, 4, 5]
        /// The local time zone as an offset from UTC in minutes (no daylight saving). Default: 0.
        public var utcOffsetMinutes = 0
        /// Actors whose recent IPs are remembered (least recently seen forgotten first). Default 10,000.
        public var maxActors = 10_000
        /// Recent IPs remembered per actor (oldest forgotten first). Default 8.
        public var ipsPerActor = 8
        /// Actors and IPs whose recent failures are remembered, each. Default 10,000.
        public var maxBurstKeys = 10_000
        /// Failures or denials by one actor or from one IP within ``burstWindowMilliseconds`` that
        /// make a burst. Default 5.
        public var burstThreshold = 5
        /// The burst window. Default 60,000 ms.
        public var burstWindowMilliseconds: Int64 = 60_000

        /// The defaults.
        public init() {}
    }
}
