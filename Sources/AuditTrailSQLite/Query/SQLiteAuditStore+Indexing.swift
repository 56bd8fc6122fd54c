import AuditTrail
import Logging
import SQLiteNIO

extension SQLiteAuditStore {
    /// The query builder every read uses: SQLite dialect, candidates from the postings.
    static func queryBuilder() -> AuditSQLQueryBuilder {
        AuditSQLQueryBuilder(dialect: .sqlite, candidates: SQLitePostings.candidates)
    }

    /// Attaches the index file as `ix` (creating it) on a reader connection.
    static func attachIndex(_ connection: SQLiteConnection, _ configuration: Configuration) async throws {
        try await connection.execute("ATTACH DATABASE ? AS ix", [.text(configuration.indexPath)])
        try await connection.execute("PRAGMA ix.journal_mode = WAL")
        // Derived data: losing the newest merge on power loss only makes the tail longer.
        try await connection.execute("PRAGMA ix.synchronous = NORMAL")
    }

    /// Creates the index tables, and empties them when they describe events the log does not
    /// have (a database restored from an older copy), so they are rebuilt by later merges.
    static func prepareIndex(_ connection: SQLiteConnection, head: SQLiteHead, logger: Logger) async throws {
        for statement in SQLitePostings.schema { try await connection.execute(statement) }
        let merged = try await connection.query("SELECT \(SQLitePostings.mergedBound) AS merged").first?.int64("merged") ?? 0
        if merged > head.seq {
            logger.warning(
                "audit index is ahead of the log; rebuilding it",
                metadata: ["audit.index.merged_seq": "\(merged)", "audit.chain.seq": "\(head.seq)"]
            )
            try await connection.execute("BEGIN")
            try await connection.execute("DELETE FROM ix.postings")
            try await connection.execute("DELETE FROM ix.segments")
            try await connection.execute("COMMIT")
        }
    }

    /// Merges every complete segment (`indexSegmentEvents` events) of the unindexed tail into the
    /// index file now, and returns how many events it indexed. ``run()`` calls this; a one-shot
    /// process may call it too. Only the index file is written, so appends are never blocked.
    @discardableResult
    public func mergeIndexes() async throws -> Int {
        try await mergeGate.withLock { try await mergeSegments() }
    }

    private func mergeSegments() async throws -> Int {
        let size = Int64(max(1, configuration.indexSegmentEvents))
        var total = 0
        while true {
            let merged = try await maintain("index merge") { connection -> Int64 in
                let bounds = try await connection.query(
                    "SELECT \(SQLitePostings.mergedBound) AS merged, (SELECT coalesce(max(segment), 0) FROM ix.segments) AS segment, "
                        + "(SELECT coalesce(max(seq), 0) FROM main.events) AS head"
                )
                guard let row = bounds.first, let merged = row.int64("merged"), let segment = row.int64("segment"),
                    let head = row.int64("head"), head - merged >= size
                else { return 0 }
                try await connection.execute("BEGIN")
                do {
                    for (sql, binds) in SQLitePostings.mergeStatements(segment: segment + 1, first: merged + 1, last: merged + size) {
                        try await connection.execute(sql, binds)
                    }
                    try await connection.execute("COMMIT")
                } catch {
                    try? await connection.execute("ROLLBACK")
                    throw error
                }
                return size
            }
            if merged == 0 { return total }
            total += Int(merged)
        }
    }

    /// One round of merging for `run()`; failures are logged and retried next round.
    func mergeInBackground() async {
        guard !isClosed else { return }
        do {
            let start = ContinuousClock.now
            let merged = try await mergeIndexes()
            if merged > 0 {
                logger.debug(
                    "audit index merged",
                    metadata: [
                        "audit.index.events": "\(merged)", "audit.index.duration": "\(ContinuousClock.now - start)",
                    ]
                )
            }
        } catch {
            // Shutdown cancels a merge in progress; the next start merges that segment.
            let cause = (error as? AuditTrailError)?.underlying ?? error
            if cause is CancellationError || Task.isCancelled { return }
            // SQLite's own message names the failure (busy, I/O, …), never a bound value.
            logger.warning("audit index merge failed; will retry", metadata: ["error": "\(cause)"])
        }
    }
}
