import AuditTrail

/// The meaning of ``AuditQuery`` and the search language, written plainly over decoded events:
/// the oracle the conformance suite compares a store's SQL against.
///
/// ```swift
/// let expected = events.filter { AuditReferenceMatcher.matches(query, $0) }.map(\.seq)
/// ```
public enum AuditReferenceMatcher {
    /// Whether `event` passes every filter of `query` (cursor, limit and order aside).
    public static func matches(_ query: AuditQuery, _ event: AuditEvent) -> Bool {
        if let visible = query.visibleActor, event.actor?.id != visible { return false }
        if let action = query.action, !action.matches(event.action) { return false }
        if let category = query.category, event.category != category { return false }
        if let actor = query.actor, event.actor?.id != actor { return false }
        if let name = query.actorName, event.actor?.name != name { return false }
        if let type = query.resourceType, event.resource?.type != type { return false }
        if let id = query.resourceID, event.resource?.id != id { return false }
        if let outcome = query.outcome, event.outcome != outcome { return false }
        if let severity = query.severity, event.severity != severity { return false }
        if let minimum = query.minSeverity, event.severity < minimum { return false }
        if let cidr = query.ip, !ipMatches(cidr, event) { return false }
        if let correlation = query.correlationID, event.request?.correlationID != correlation { return false }
        if let tag = query.tag, !event.tags.contains(tag) { return false }
        if let since = query.since, event.time < since { return false }
        if let until = query.until, event.time >= until { return false }
        if let search = query.search, !matches(search, event) { return false }
        return true
    }

    /// Whether `event` satisfies a search expression.
    public static func matches(_ expression: AuditSearchExpression, _ event: AuditEvent) -> Bool {
        switch expression {
        case .and(let parts): return parts.allSatisfy { matches($0, event) }
        case .or(let parts): return parts.contains { matches($0, event) }
        case .not(let inner): return !matches(inner, event)
        case .term(let term): return matches(term, event)
        }
    }

    static func matches(_ term: AuditSearchTerm, _ event: AuditEvent) -> Bool {
        switch term {
        case .action(let match): return match.matches(event.action)
        case .category(let value): return event.category == value
        case .actor(let value): return event.actor?.id == value
        case .actorName(let value): return event.actor?.name == value
        case .actorType(let value): return event.actor?.type == value
        case .resourceType(let value): return event.resource?.type == value
        case .resourceID(let value): return event.resource?.id == value
        case .outcome(let value): return event.outcome == value
        case .severity(let op, let value): return compare(Int64(event.severity.level), op, Int64(value.level))
        case .time(let op, let value): return compare(event.time.milliseconds, op, value.milliseconds)
        case .ip(let cidr): return ipMatches(cidr, event)
        case .tag(let value): return event.tags.contains(value)
        case .compliance(let value): return event.compliance.contains(value)
        case .correlationID(let value): return event.request?.correlationID == value
        case .country(let value): return event.location?.country == value.uppercased()
        case .riskScore(let op, let value):
            guard let risk = event.riskScore else { return false }
            return compare(Int64(risk), op, Int64(value))
        case .text(let text), .textPrefix(let text):
            let needle = text.lowercased()
            var fields = [event.description, event.comment].compactMap { $0 }
            if let metadata = event.metadata { fields.append(String(decoding: CanonicalJSON.encode(metadata), as: UTF8.self)) }
            return fields.contains { $0.lowercased().contains(needle) }
        }
    }

    static func compare(_ a: Int64, _ op: AuditSearchComparison, _ b: Int64) -> Bool {
        switch op {
        case .equal: a == b
        case .greater: a > b
        case .greaterOrEqual: a >= b
        case .less: a < b
        case .lessOrEqual: a <= b
        }
    }

    static func ipMatches(_ cidr: AuditCIDR, _ event: AuditEvent) -> Bool {
        guard let text = event.actor?.ip, let ip = AuditIPAddress(text) else { return false }
        return cidr.contains(ip)
    }

    /// The aggregates a store must report for `events` (already filtered) with `bucket`.
    public static func stats(_ events: [AuditEvent], bucket: AuditStats.Bucket) -> AuditStats {
        var stats = AuditStats()
        var actors = Set<String>()
        var bins: [Int64: Int64] = [:]
        for event in events {
            stats.total += 1
            if event.outcome == .failure { stats.failures += 1 }
            if event.outcome == .denied { stats.denied += 1 }
            if let id = event.actor?.id { actors.insert(id) }
            stats.byAction[event.action, default: 0] += 1
            stats.byOutcome[event.outcome.rawValue, default: 0] += 1
            stats.bySeverity[event.severity.rawValue, default: 0] += 1
            stats.byCategory[event.category, default: 0] += 1
            let ms = event.time.milliseconds
            bins[ms - ms % bucket.milliseconds, default: 0] += 1
        }
        stats.uniqueActors = Int64(actors.count)
        stats.histogram = bins.keys.sorted().map { AuditStats.HistogramBin(start: AuditTime(milliseconds: $0), count: bins[$0]!) }
        return stats
    }
}
