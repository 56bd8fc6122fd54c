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
    /// Free text: a bare or quoted word or phrase of description, comment and metadata values
    /// (``AuditEventMatcher``).
    case text(String)
    /// A bare word ending in `*` (`invoi*`): the text before the `*`, its last word matching
    /// the beginning of a word.
    case textPrefix(String)
}
