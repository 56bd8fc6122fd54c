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
