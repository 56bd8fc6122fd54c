/// A parsed search-language expression (the `q` parameter and the web page's search box).
///
/// GitHub-audit-log style: `action:user.login actor:alice outcome:failure severity:>=warning
/// time:>=2026-11-01 ip:10.0.0.0/8 resource.type:document -action:audit.query "free text"`.
/// Terms are ANDed; `-` negates; `OR` between terms makes alternatives; words search the
/// description, comment and metadata text.
public indirect enum AuditSearchExpression: Sendable, Hashable {
    case and([AuditSearchExpression])
    case or([AuditSearchExpression])
    case not(AuditSearchExpression)
    case term(AuditSearchTerm)
}

/// One leaf of a search expression.
public enum AuditSearchTerm: Sendable, Hashable {
    /// `action:user.login` or `action:user.*`.
    case action(AuditQuery.ActionMatch)
    case category(String)
    /// `actor:` and `actor.id:`.
    case actor(String)
    case actorName(String)
    case actorType(String)
    case resourceType(String)
    case resourceID(String)
    case outcome(AuditOutcome)
    case severity(AuditSearchComparison, AuditSeverity)
    case time(AuditSearchComparison, AuditTime)
    case ip(AuditCIDR)
    case tag(String)
    case compliance(String)
    case correlationID(String)
    case country(String)
    /// `risk:>=50`.
    case riskScore(AuditSearchComparison, Int)
    /// Free text, matched case-insensitively as a substring of description, comment and metadata.
    case text(String)
}

/// `=`, `>`, `>=`, `<`, `<=`.
public enum AuditSearchComparison: String, Sendable, Hashable {
    case equal = "="
    case greater = ">"
    case greaterOrEqual = ">="
    case less = "<"
    case lessOrEqual = "<="
}
