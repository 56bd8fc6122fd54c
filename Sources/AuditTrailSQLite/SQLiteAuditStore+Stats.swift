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
        let totals = try await connection.query(builder.aggregate(
            query, select: "count(*) AS total, coalesce(sum(outcome = 1), 0) AS failures, "
                + "coalesce(sum(outcome = 2), 0) AS denied, count(DISTINCT actor_id) AS actors"))
        if let row = totals.first {
            stats.total = row.int64("total") ?? 0
            stats.failures = row.int64("failures") ?? 0
            stats.denied = row.int64("denied") ?? 0
            stats.uniqueActors = row.int64("actors") ?? 0
        }
        guard stats.total > 0 else { return stats }
        for (column, keyPath) in [("action", \AuditStats.byAction), ("category", \AuditStats.byCategory)] {
            builder = Self.queryBuilder()
            for row in try await connection.query(builder.aggregate(query, select: "\(column) AS k, count(*) AS n", groupBy: column)) {
                if let key = row.text("k"), let count = row.int64("n") { stats[keyPath: keyPath][key] = count }
            }
        }
        builder = Self.queryBuilder()
        for row in try await connection.query(builder.aggregate(query, select: "outcome AS k, count(*) AS n", groupBy: "outcome")) {
            if let code = row.int64("k"), let outcome = AuditOutcome(code: Int(code)), let count = row.int64("n") {
                stats.byOutcome[outcome.rawValue] = count
            }
        }
        builder = Self.queryBuilder()
        for row in try await connection.query(builder.aggregate(query, select: "severity AS k, count(*) AS n", groupBy: "severity")) {
            if let level = row.int64("k"), let severity = AuditSeverity(level: Int(level)), let count = row.int64("n") {
                stats.bySeverity[severity.rawValue] = count
            }
        }
        builder = Self.queryBuilder()
        let size = builder.bind(.integer(bucket.milliseconds))
        let start = builder.dialect.floor("time", multipleOf: size)
        let histogram = builder.aggregate(query, select: "\(start) AS bin, count(*) AS n", groupBy: "bin")
        let ordered = AuditSQLStatement(sql: histogram.sql + " ORDER BY bin", binds: histogram.binds)
        for row in try await connection.query(ordered) {
            if let bin = row.int64("bin"), let count = row.int64("n") {
                stats.histogram.append(.init(start: AuditTime(milliseconds: bin), count: count))
            }
        }
        return stats
    }
}
