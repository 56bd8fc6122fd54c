/// A query as set operations over the index: which keys' sets to read, how to combine them, and
/// where the index can only narrow the answer down (a phrase: the index finds its words, not their
/// order). Built from ``AuditQuery`` alone; ``resolved(in:)`` then turns prefixes into the keys
/// they match.
///
/// Every filter of the API and every term of the search language has an exact plan except
/// phrases: field values and words are keys, `user.*` and `invoi*` are the union of the keys
/// with that prefix, severity and risk comparisons the union of the values that satisfy them, an
/// address block the union of at most 256 address-prefix keys (``AuditIndexTerms/ipKeys(for:)``),
/// and times are compared with the chunk's time column.
public indirect enum AuditIndexPlan: Sendable, Hashable {
    /// Every event.
    case all
    /// The events of any of these keys (none: no event).
    case keys([AuditIndexKey])
    /// The events of any key of this kind whose value starts with the text.
    case prefix(AuditIndexKey.Kind, String)
    /// The events whose time (ms) compares so with the value.
    case time(AuditSearchComparison, Int64)
    /// A superset: the events in every part; each must still be checked against the query.
    case candidates([AuditIndexPlan])
    case and([AuditIndexPlan])
    case or([AuditIndexPlan])
    case not(AuditIndexPlan)

    /// The most values a prefix may match (`a*` over every word of the log would read too much).
    public static let prefixLimit = 1_000

    /// The plan of every filter of `query` (paging aside).
    public init(_ query: AuditQuery) {
        var parts: [AuditIndexPlan] = []
        if let visible = query.visibleActor { parts.append(.keys([.init(.actor, visible)])) }
        if let action = query.action { parts.append(Self.action(action)) }
        if let category = query.category { parts.append(.keys([.init(.category, category)])) }
        if let actor = query.actor { parts.append(.keys([.init(.actor, actor)])) }
        if let name = query.actorName { parts.append(.keys([.init(.actorName, name)])) }
        if let type = query.resourceType { parts.append(.keys([.init(.resourceType, type)])) }
        if let id = query.resourceID { parts.append(.keys([.init(.resourceID, id)])) }
        if let outcome = query.outcome { parts.append(.keys([.init(.outcome, outcome.rawValue)])) }
        if let severity = query.severity { parts.append(.keys([.init(.severity, severity.rawValue)])) }
        if let minimum = query.minSeverity { parts.append(Self.severity(.greaterOrEqual, minimum)) }
        if let cidr = query.ip { parts.append(Self.ip(cidr)) }
        if let correlation = query.correlationID { parts.append(.keys([.init(.correlationID, correlation)])) }
        if let tag = query.tag { parts.append(.keys([.init(.tag, tag)])) }
        if let since = query.since { parts.append(.time(.greaterOrEqual, since.milliseconds)) }
        if let until = query.until { parts.append(.time(.less, until.milliseconds)) }
        if let search = query.search { parts.append(Self.expression(search)) }
        switch parts.count {
        case 0: self = .all
        case 1: self = parts[0]
        default: self = .and(parts)
        }
    }

    static func expression(_ expression: AuditSearchExpression) -> AuditIndexPlan {
        switch expression {
        case .and(let parts): .and(parts.map(Self.expression))
        case .or(let parts): .or(parts.map(Self.expression))
        case .not(let inner): .not(Self.expression(inner))
        case .term(let term): Self.term(term)
        }
    }

    static func term(_ term: AuditSearchTerm) -> AuditIndexPlan {
        switch term {
        case .action(let match): action(match)
        case .category(let value): .keys([.init(.category, value)])
        case .actor(let value): .keys([.init(.actor, value)])
        case .actorName(let value): .keys([.init(.actorName, value)])
        case .actorType(let value): .keys([.init(.actorType, value)])
        case .resourceType(let value): .keys([.init(.resourceType, value)])
        case .resourceID(let value): .keys([.init(.resourceID, value)])
        case .outcome(let value): .keys([.init(.outcome, value.rawValue)])
        case .severity(let op, let value): severity(op, value)
        case .time(let op, let value): .time(op, value.milliseconds)
        case .ip(let cidr): ip(cidr)
        case .tag(let value): .keys([.init(.tag, value)])
        case .compliance(let value): .keys([.init(.compliance, value)])
        case .correlationID(let value): .keys([.init(.correlationID, value)])
        case .country(let value): .keys([.init(.country, value.uppercased())])
        case .riskScore(let op, let value): .keys((0...100).filter { op.holds($0, value) }.map { .init(.risk, String($0)) })
        case .text(let text): words(AuditTokenizer.words(text), prefix: false)
        case .textPrefix(let text): words(AuditTokenizer.words(text), prefix: true)
        }
    }

    static func action(_ match: AuditQuery.ActionMatch) -> AuditIndexPlan {
        switch match {
        case .exact(let value): .keys([.init(.action, value)])
        case .prefix(let value): value.isEmpty ? .all : .prefix(.action, value)
        }
    }

    static func severity(_ op: AuditSearchComparison, _ value: AuditSeverity) -> AuditIndexPlan {
        .keys(AuditSeverity.allCases.filter { op.holds($0.level, value.level) }.map { .init(.severity, $0.rawValue) })
    }

    static func ip(_ cidr: AuditCIDR) -> AuditIndexPlan {
        .keys(AuditIndexTerms.ipKeys(for: cidr).map { .init(.ip, $0) })
    }

    /// One word is exact; several are a phrase, whose words the index finds but not their order.
    static func words(_ words: [String], prefix: Bool) -> AuditIndexPlan {
        guard let last = words.last else { return .keys([]) }
        let lastPlan: AuditIndexPlan = prefix ? .prefix(.word, last) : .keys([.init(.word, last)])
        if words.count == 1 { return lastPlan }
        return .candidates(words.dropLast().map { .keys([.init(.word, $0)]) } + [lastPlan])
    }

    /// The plan with each prefix replaced by the keys it matches in `source`.
    ///
    /// - Throws: ``AuditTrailError`` `.invalidInput` naming `q` (or `action`) when a prefix
    ///   matches more than ``prefixLimit`` values.
    public func resolved(in source: some AuditIndexSource) async throws -> AuditIndexPlan {
        switch self {
        case .all, .keys, .time: return self
        case .prefix(let kind, let prefix):
            let values = try await source.values(kind, prefix: prefix, limit: Self.prefixLimit + 1)
            guard values.count <= Self.prefixLimit else {
                throw AuditTrailError.invalid(
                    kind == .action ? "action" : "q",
                    "'\(prefix)*' matches more than \(Self.prefixLimit) \(kind == .action ? "actions" : "words"); give more letters"
                )
            }
            return .keys(values.map { .init(kind, $0) })
        case .candidates(let parts): return .candidates(try await Self.resolve(parts, source))
        case .and(let parts): return .and(try await Self.resolve(parts, source))
        case .or(let parts): return .or(try await Self.resolve(parts, source))
        case .not(let inner): return .not(try await inner.resolved(in: source))
        }
    }

    static func resolve(_ parts: [AuditIndexPlan], _ source: some AuditIndexSource) async throws -> [AuditIndexPlan] {
        var out: [AuditIndexPlan] = []
        for part in parts { out.append(try await part.resolved(in: source)) }
        return out
    }

    /// Every key the plan reads, without repeats.
    public var keys: [AuditIndexKey] {
        var seen = Set<AuditIndexKey>()
        var out: [AuditIndexKey] = []
        func walk(_ plan: AuditIndexPlan) {
            switch plan {
            case .all, .time, .prefix: return
            case .keys(let keys): for key in keys where seen.insert(key).inserted { out.append(key) }
            case .candidates(let parts), .and(let parts), .or(let parts): parts.forEach(walk)
            case .not(let inner): walk(inner)
            }
        }
        walk(self)
        return out
    }

    /// The order in which an AND evaluates its parts: one key, then unions of keys, then the
    /// rest (the result does not depend on it).
    var evaluationRank: Int {
        switch self {
        case .keys(let keys): keys.count <= 1 ? 0 : 1
        default: 2
        }
    }

    /// Whether the plan compares times (so a chunk's time column may be needed).
    public var comparesTimes: Bool {
        switch self {
        case .time: true
        case .all, .keys, .prefix: false
        case .candidates(let parts), .and(let parts), .or(let parts): parts.contains { $0.comparesTimes }
        case .not(let inner): inner.comparesTimes
        }
    }
}
