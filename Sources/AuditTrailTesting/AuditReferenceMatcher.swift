import AuditTrail

/// The meaning of ``AuditQuery`` and the search language for the conformance suite: the core's
/// ``AuditEventMatcher`` (the one definition), plus the aggregates a store must report.
///
/// ```swift
/// let expected = events.filter { AuditReferenceMatcher.matches(query, $0) }.map(\.seq)
/// ```
public enum AuditReferenceMatcher {
    /// Whether `event` passes every filter of `query` (cursor, limit and order aside).
    public static func matches(_ query: AuditQuery, _ event: AuditEvent) -> Bool {
        AuditEventMatcher.matches(query, event)
    }

    /// The aggregates a store must report for `events` (already filtered) with `bucket`.
    public static func stats(_ events: [AuditEvent], bucket: AuditStats.Bucket) -> AuditStats {
        stats(events, AuditStatsRequest(bucket: bucket))
    }

    /// What `GET /v1/stats` answers for `request` over `events` (already filtered by its query),
    /// counted event by event from the fields themselves.
    public static func stats(_ events: [AuditEvent], _ request: AuditStatsRequest) -> AuditStats {
        var stats = AuditStats()
        var actors = Set<String>()
        var minutes: [Int64: Int64] = [:]
        var groups: [String: Int64] = [:]
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
            minutes[ms - ms % 60_000, default: 0] += 1
            if let field = request.groupBy {
                for value in Set(groupValues(event, field)) { groups[value, default: 0] += 1 }
            }
        }
        stats.uniqueActors = Int64(actors.count)
        stats.setHistogram(minutes: minutes, requested: request.bucket, since: request.query.since, until: request.query.until)
        if let field = request.groupBy { stats.setGroups(groups, field: field, top: request.top) }
        return stats
    }

    /// The values of `field` in `event`, read from the event's fields.
    static func groupValues(_ event: AuditEvent, _ field: AuditStats.GroupField) -> [String] {
        switch field {
        case .action: [event.action]
        case .category: [event.category]
        case .outcome: [event.outcome.rawValue]
        case .severity: [event.severity.rawValue]
        case .actor: event.actor?.id.map { [$0] } ?? []
        case .actorName: event.actor?.name.map { [$0] } ?? []
        case .actorType: event.actor?.type.map { [$0] } ?? []
        case .resourceType: event.resource?.type.map { [$0] } ?? []
        case .resourceID: event.resource?.id.map { [$0] } ?? []
        case .correlationID: event.request?.correlationID.map { [$0] } ?? []
        case .country: event.location?.country.map { [$0] } ?? []
        case .tag: event.tags
        case .compliance: event.compliance
        case .riskScore: event.riskScore.map { [String($0)] } ?? []
        case .ip: event.actor?.ip.flatMap(AuditIPAddress.init).map { [AuditIPAddress(unmapping: $0.mapped).description] } ?? []
        }
    }
}
