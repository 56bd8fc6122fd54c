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
