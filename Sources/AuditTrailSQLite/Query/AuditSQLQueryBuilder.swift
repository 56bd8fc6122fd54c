import AuditTrail

/// Turns an ``AuditQuery`` (filters, search expression, viewer restriction, cursor, order) into SQL
/// over the `events` table, with every value bound, never interpolated.
///
/// The table's filter columns are shared by every store: `seq`, `id`, `time` (ms), `action`,
/// `category`, `severity` (level 0–4), `outcome` (code 0–2), `actor_id`, `actor_name`,
/// `actor_type`, `resource_type`, `resource_id`, `ip` (16-byte mapped BLOB), `correlation_id`,
/// `country`, `risk`, `tags` and `compliance` (JSON arrays of strings), `search` (lower-cased
/// description, comment and metadata JSON). Dialect differences live in ``AuditSQLDialect``.
///
/// ```swift
/// var builder = AuditSQLQueryBuilder(dialect: .sqlite)
/// let statement = builder.page(query, columns: "seq, id, canonical, hash")
/// ```
public struct AuditSQLQueryBuilder: Sendable {
    /// A store-specific narrowing: a condition that selects a superset of the seqs matching the
    /// query (for example from side index tables), or nil. It binds through the builder.
    public typealias Candidates = @Sendable (AuditQuery, inout AuditSQLQueryBuilder) -> String?

    /// How placeholders and functions are spelled.
    public let dialect: AuditSQLDialect
    /// Values bound so far, in placeholder order.
    public private(set) var binds: [AuditSQLValue] = []
    let candidates: Candidates?

    /// A builder for `dialect`, optionally narrowing every query with `candidates`.
    public init(dialect: AuditSQLDialect, candidates: Candidates? = nil) {
        self.dialect = dialect
        self.candidates = candidates
    }

    /// Binds `value` and returns its placeholder.
    public mutating func bind(_ value: AuditSQLValue) -> String {
        binds.append(value)
        return dialect.placeholder(binds.count)
    }

    /// One page of events: the filters, the cursor bound, the order and `limit + 1` rows (the extra
    /// row tells whether more follow).
    public mutating func page(_ query: AuditQuery, columns: String) -> AuditSQLStatement {
        var conditions = filterConditions(query)
        if let cursor = query.cursor {
            let op = query.order == .desc ? "<" : ">"
            conditions.append("seq \(op) \(bind(.integer(cursor.afterSeq)))")
        }
        let direction = query.order == .desc ? "DESC" : "ASC"
        let limit = bind(.integer(Int64(max(1, query.limit) + 1)))
        return AuditSQLStatement(
            sql: "SELECT \(columns) FROM events\(Self.whereClause(conditions)) ORDER BY seq \(direction) LIMIT \(limit)",
            binds: binds
        )
    }

    /// `SELECT <select> FROM events WHERE <filters> [GROUP BY …]` for aggregates (cursor, limit and
    /// order are ignored).
    public mutating func aggregate(_ query: AuditQuery, select: String, groupBy: String? = nil) -> AuditSQLStatement {
        let conditions = filterConditions(query)
        var sql = "SELECT \(select) FROM events\(Self.whereClause(conditions))"
        if let groupBy { sql += " GROUP BY \(groupBy)" }
        return AuditSQLStatement(sql: sql, binds: binds)
    }

    static func whereClause(_ conditions: [String]) -> String {
        conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    }

    /// The filter conditions of `query` (ANDed), without cursor and paging.
    public mutating func filterConditions(_ query: AuditQuery) -> [String] {
        var out: [String] = []
        if let candidates, let narrowing = candidates(query, &self) { out.append(narrowing) }
        if let visible = query.visibleActor { out.append("actor_id = \(bind(.text(visible)))") }
        if let action = query.action, let condition = actionCondition(action) { out.append(condition) }
        if let category = query.category { out.append("category = \(bind(.text(category)))") }
        if let actor = query.actor { out.append("actor_id = \(bind(.text(actor)))") }
        if let name = query.actorName { out.append("actor_name = \(bind(.text(name)))") }
        if let type = query.resourceType { out.append("resource_type = \(bind(.text(type)))") }
        if let id = query.resourceID { out.append("resource_id = \(bind(.text(id)))") }
        if let outcome = query.outcome { out.append("outcome = \(bind(.integer(Int64(outcome.code))))") }
        if let severity = query.severity { out.append("severity = \(bind(.integer(Int64(severity.level))))") }
        if let minimum = query.minSeverity { out.append("severity >= \(bind(.integer(Int64(minimum.level))))") }
        if let cidr = query.ip { out.append(ipCondition(cidr)) }
        if let correlation = query.correlationID { out.append("correlation_id = \(bind(.text(correlation)))") }
        if let tag = query.tag { out.append(dialect.arrayContains("tags", bind(.text(tag)))) }
        if let since = query.since { out.append("time >= \(bind(.integer(since.milliseconds)))") }
        if let until = query.until { out.append("time < \(bind(.integer(until.milliseconds)))") }
        if let search = query.search { out.append(expression(search)) }
        return out
    }

    /// A search expression as a boolean SQL expression. Under `NOT`, unknown (NULL) results count
    /// as false first, so `-actor:alice` also matches events without an actor.
    public mutating func expression(_ expression: AuditSearchExpression) -> String {
        switch expression {
        case .and(let parts): return "(" + parts.map { self.expression($0) }.joined(separator: " AND ") + ")"
        case .or(let parts): return "(" + parts.map { self.expression($0) }.joined(separator: " OR ") + ")"
        case .not(let inner): return "(NOT coalesce(\(self.expression(inner)), \(dialect.falseLiteral)))"
        case .term(let term): return "(" + self.term(term) + ")"
        }
    }

    mutating func term(_ term: AuditSearchTerm) -> String {
        switch term {
        case .action(let match): return actionCondition(match) ?? "action IS NOT NULL"
        case .category(let value): return "category = \(bind(.text(value)))"
        case .actor(let value): return "actor_id = \(bind(.text(value)))"
        case .actorName(let value): return "actor_name = \(bind(.text(value)))"
        case .actorType(let value): return "actor_type = \(bind(.text(value)))"
        case .resourceType(let value): return "resource_type = \(bind(.text(value)))"
        case .resourceID(let value): return "resource_id = \(bind(.text(value)))"
        case .outcome(let outcome): return "outcome = \(bind(.integer(Int64(outcome.code))))"
        case .severity(let op, let severity): return "severity \(op.rawValue) \(bind(.integer(Int64(severity.level))))"
        case .time(let op, let time): return "time \(op.rawValue) \(bind(.integer(time.milliseconds)))"
        case .ip(let cidr): return ipCondition(cidr)
        case .tag(let value): return dialect.arrayContains("tags", bind(.text(value)))
        case .compliance(let value): return dialect.arrayContains("compliance", bind(.text(value)))
        case .correlationID(let value): return "correlation_id = \(bind(.text(value)))"
        case .country(let value): return "country = \(bind(.text(value.uppercased())))"
        case .riskScore(let op, let score): return "risk \(op.rawValue) \(bind(.integer(Int64(score))))"
        case .text(let text), .textPrefix(let text): return dialect.containsText("search", bind(.text(text.lowercased())))
        }
    }

    mutating func actionCondition(_ match: AuditQuery.ActionMatch) -> String? {
        switch match {
        case .exact(let action):
            return "action = \(bind(.text(action)))"
        case .prefix(let prefix):
            guard !prefix.isEmpty else { return nil }
            if let upper = AuditSQLDialect.prefixUpperBound(prefix) {
                return "action >= \(bind(.text(prefix))) AND action < \(bind(.text(upper)))"
            }
            return "substr(action, 1, \(bind(.integer(Int64(prefix.unicodeScalars.count))))) = \(bind(.text(prefix)))"
        }
    }

    mutating func ipCondition(_ cidr: AuditCIDR) -> String {
        let (low, high) = cidr.mappedRange
        return "ip BETWEEN \(bind(.blob(low))) AND \(bind(.blob(high)))"
    }
}
