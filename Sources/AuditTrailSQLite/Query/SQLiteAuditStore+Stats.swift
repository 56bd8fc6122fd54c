import AuditTrail
import SQLiteNIO

extension SQLiteAuditStore {
    /// Aggregates over the events matching `query` (its limit, cursor and order are ignored), all
    /// read in one transaction so the numbers agree with each other. Histogram bins start at
    /// multiples of the bucket since the Unix epoch, which are UTC minute, hour and day starts.
    public func stats(matching query: AuditQuery, bucket: AuditStats.Bucket) async throws -> AuditStats {
        try await read("stats") { connection in
            try await connection.execute("BEGIN")
            do {
                let stats = try await Self.stats(query, bucket: bucket, on: connection)
                try await connection.execute("COMMIT")
                return stats
            } catch {
                try? await connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    private static func stats(_ query: AuditQuery, bucket: AuditStats.Bucket, on connection: SQLiteConnection) async throws -> AuditStats {
        var stats = AuditStats()
        var builder = Self.queryBuilder()
        let totals = try await connection.query(
            builder.aggregate(
                query,
                select: "count(*) AS total, coalesce(sum(outcome = 1), 0) AS failures, "
                    + "coalesce(sum(outcome = 2), 0) AS denied, count(DISTINCT actor_id) AS actors"
            )
        )
        if let row = totals.first {
            stats.total = row.int64("total") ?? 0
            stats.failures = row.int64("failures") ?? 0
            stats.denied = row.int64("denied") ?? 0
            stats.uniqueActors = row.int64("actors") ?? 0
        }
        guard stats.total > 0 else { return stats }
        // One more scan for every breakdown at once: counts per (action, category, outcome,
        // severity, time bin), folded here. The table is read twice in all, not six times.
        builder = Self.queryBuilder()
        let size = builder.bind(.integer(bucket.milliseconds))
        let start = builder.dialect.floor("time", multipleOf: size)
        let grouped = builder.aggregate(
            query,
            select: "action AS a, category AS c, outcome AS o, severity AS s, \(start) AS bin, count(*) AS n",
            groupBy: "a, c, o, s, bin"
        )
        var bins: [Int64: Int64] = [:]
        for row in try await connection.query(grouped) {
            guard let count = row.int64("n") else { continue }
            if let action = row.text("a") { stats.byAction[action, default: 0] += count }
            if let category = row.text("c") { stats.byCategory[category, default: 0] += count }
            if let code = row.int64("o"), let outcome = AuditOutcome(code: Int(code)) { stats.byOutcome[outcome.rawValue, default: 0] += count }
            if let level = row.int64("s"), let severity = AuditSeverity(level: Int(level)) {
                stats.bySeverity[severity.rawValue, default: 0] += count
            }
            if let bin = row.int64("bin") { bins[bin, default: 0] += count }
        }
        stats.histogram = bins.keys.sorted().map { AuditStats.HistogramBin(start: AuditTime(milliseconds: $0), count: bins[$0]!) }
        return stats
    }
}
