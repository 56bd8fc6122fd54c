/// Why the risk scorer raised an event's score: a short, stable code recorded in the event as the
/// tag `risk:<code>` (so `tag=risk:new_ip` and `q=tag:risk:new_ip` find it).
///
/// The codes are part of the stored data; they are never renamed.
///
/// ```swift
/// let assessment = scorer.assess(input)
/// if assessment.reasons.contains(.newIP) { … }
/// ```
public struct AuditRiskReason: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    /// The stable code (`new_ip`).
    public let rawValue: String

    /// A reason with this code: lower case a-z, 0-9 and `_`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The request path or the resource type is configured as sensitive.
    public static let sensitiveEndpoint = AuditRiskReason(rawValue: "sensitive_endpoint")
    /// The action failed (`outcome` `failure`).
    public static let failure = AuditRiskReason(rawValue: "failure")
    /// The action was refused (`outcome` `denied`).
    public static let denied = AuditRiskReason(rawValue: "denied")
    /// The action is administrative (configured action prefixes such as `admin.`, `config.`).
    public static let adminAction = AuditRiskReason(rawValue: "admin_action")
    /// The event happened outside the configured business hours or days.
    public static let unusualHour = AuditRiskReason(rawValue: "unusual_hour")
    /// The actor is known but has not been seen from this IP recently.
    public static let newIP = AuditRiskReason(rawValue: "new_ip")
    /// The actor or the IP had at least the configured number of failures or denials in the window.
    public static let failureBurst = AuditRiskReason(rawValue: "failure_burst")

    /// Every built-in reason, in the order the scorer checks them.
    public static let all: [AuditRiskReason] = [
        .sensitiveEndpoint, .failure, .denied, .adminAction, .unusualHour, .newIP, .failureBurst,
    ]

    /// The tag recorded in the event: `risk:<code>`.
    public var tag: String { AuditRiskAssessment.tagPrefix + rawValue }

    /// The code.
    public var description: String { rawValue }
}
