import AuditTrail
import Logging

/// Moves a store written in chain format 0 (`hash(n) = SHA-256(hash(n-1) ‖ canonical(n))`) to
/// format v1 (`hash(n) = SHA-256(hash(n-1) ‖ leaf(n))`, ``AuditChain``) when it is opened, on the
/// append connection, before anything is appended:
///
/// 1. the whole log is verified in its format first, before the schema migrations
///    (``verifyBeforeSchemaMigration(_:)``; ``AuditChainRewriter`` verifies every row again as it
///    rewrites it): a log that does not verify is refused with its first bad seq and left
///    untouched, its schema included;
/// 2. the `hash` column is rewritten in transactions of at most ``rowsPerTransaction`` rows, each
///    recording how far it got (and both chains' hashes there) in `chain_migration`, so a crash
///    resumes where it stopped; the database's refusal of `UPDATE` on events is lifted inside
///    each of those transactions only;
/// 3. the last transaction records `chain_format = 1` in `log_info`; the store then records the
///    migration as an `audit.store.migrated` event with an id derived from the log id (so a crash
///    before the record is marked done cannot record it twice).
///
/// Checkpoints, Merkle hashes and retention anchors do not change (a retention anchor's hash is
/// where the v1 chain starts, whatever format wrote it).
enum SQLiteChainMigration {
    /// Rows rewritten per transaction.
    static let rowsPerTransaction = 10_000

    /// A finished rewrite whose event is not recorded yet.
    struct Finished: Sendable, Equatable {
        var fromFormat: Int
        var rewritten: Int64
        var throughSeq: Int64
    }

    /// How far a rewrite got: rows up to `doneSeq` are in format v1.
    struct Progress {
        var doneSeq: Int64
        var oldHash: AuditHash
        var newHash: AuditHash
        var rewritten: Int64
        var fromFormat = 0
        /// Every row is rewritten and `chain_format` recorded; only the event is left to record.
        var finished = false
    }

    /// The trigger of schema migration 1 that refuses `UPDATE` on events, re-created after each
    /// rewrite transaction (same text).
    static let refuseUpdateTrigger = """
        CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE is refused'); END
        """

    /// The schema version that records the chain format (migration 5): a store below it holds
    /// chain format 0.
    static let schemaVersionOfFormatOne = 5

    /// Before any schema migration of an existing store: when it predates chain format v1 (schema
    /// version below ``schemaVersionOfFormatOne``) and holds events, verifies its whole chain in
    /// format 0, so that a store that does not verify is refused before anything in it changes —
    /// not even its schema, and the release that wrote it can still open it.
    /// - Returns: whether it verified such a store (``run(_:logger:verified:rowsPerTransaction:)``
    ///   then need not verify it again).
    static func verifyBeforeSchemaMigration(_ writer: SQLiteRawConnection) throws -> Bool {
        guard try hasTable(writer, "schema_version") else { return false }
        var version = 0
        try writer.run("SELECT version FROM schema_version", row: { row in version = Int(row.integer(0) ?? 0) })
        guard version < schemaVersionOfFormatOne else { return false }
        var hasEvents = false
        try writer.run("SELECT 1 FROM events LIMIT 1", row: { _ in hasEvents = true })
        guard hasEvents else { return false }
        try verify(writer, start: try chainStart(writer), progress: nil)
        return true
    }

    /// Re-chains the store if it is of format 0; returns a finished migration that still needs its
    /// event, or nil. `verified`: the whole chain was verified by
    /// ``verifyBeforeSchemaMigration(_:)`` in this open.
    static func run(
        _ writer: SQLiteRawConnection,
        logger: Logger,
        verified: Bool = false,
        rowsPerTransaction: Int = rowsPerTransaction
    ) throws -> Finished? {
        if try format(writer) == AuditChain.Format.v1.rawValue { return try finished(writer) }
        let start = try chainStart(writer)
        if !verified { try verify(writer, start: start, progress: try progress(writer)) }
        logger.notice(
            "audit store: re-chaining to chain format 1",
            metadata: ["audit.chain.format.from": "0", "audit.chain.format.to": "1"]
        )
        while try !rewriteNextRows(writer, start: start, limit: rowsPerTransaction) {}
        return try finished(writer)
    }

    /// The chain format recorded in `log_info`: 0 when none is.
    static func format(_ writer: SQLiteRawConnection) throws -> Int {
        var format = AuditChain.Format.v0.rawValue
        try writer.run("SELECT value FROM log_info WHERE name = 'chain_format'", row: { row in format = Int(row.text(0) ?? "") ?? -1 })
        guard AuditChain.Format(rawValue: format) != nil else {
            throw AuditTrailError(.storeFailure, "the store records a chain format this build does not know")
        }
        return format
    }

    static func hasTable(_ writer: SQLiteRawConnection, _ name: String) throws -> Bool {
        var found = false
        try writer.run(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            bind: { $0.text(1, name) },
            row: { _ in found = true }
        )
        return found
    }

    /// Where the chain starts: the newest retention anchor (schema version 4 on), or seq 0 and the
    /// genesis hash.
    static func chainStart(_ writer: SQLiteRawConnection) throws -> AuditChainHead {
        var start = AuditChainHead(seq: 0, hash: AuditChain.genesis)
        guard try hasTable(writer, "retention_anchors") else { return start }
        try writer.run(
            "SELECT seq, hash FROM retention_anchors ORDER BY seq DESC LIMIT 1",
            row: { row in
                let seq = row.integer(0) ?? 0
                guard let hash = row.hash(1) else {
                    throw AuditTrailError(
                        .tampered,
                        "the retention anchor at seq \(seq) holds a hash that is not 32 bytes; it is not migrated",
                        seq: seq
                    )
                }
                start = AuditChainHead(seq: seq, hash: hash)
            }
        )
        return start
    }

    static func progress(_ writer: SQLiteRawConnection) throws -> Progress? {
        var progress: Progress?
        try writer.run(
            "SELECT done_seq, old_hash, new_hash, rewritten, from_format, finished FROM chain_migration",
            row: { row in
                guard let oldHash = row.hash(1), let newHash = row.hash(2) else {
                    throw AuditTrailError(.tampered, "the chain migration's progress holds a hash that is not 32 bytes")
                }
                progress = Progress(
                    doneSeq: row.integer(0) ?? 0,
                    oldHash: oldHash,
                    newHash: newHash,
                    rewritten: row.integer(3) ?? 0,
                    fromFormat: Int(row.integer(4) ?? 0),
                    finished: row.integer(5) == 1
                )
            }
        )
        return progress
    }

    static func finished(_ writer: SQLiteRawConnection) throws -> Finished? {
        guard let progress = try progress(writer), progress.finished else { return nil }
        return Finished(fromFormat: progress.fromFormat, rewritten: progress.rewritten, throughSeq: progress.doneSeq)
    }

    /// Verifies every row before anything is rewritten: rows a resumed rewrite already did in v1
    /// from the chain start, the rest in format 0 from where it stopped.
    static func verify(_ writer: SQLiteRawConnection, start: AuditChainHead, progress: Progress?) throws {
        let done = progress?.doneSeq ?? start.seq
        var rewritten = AuditChainVerifier(start: start)
        var rewriter = AuditChainRewriter(
            from: .v0,
            oldHead: AuditChainHead(seq: done, hash: progress?.oldHash ?? start.hash),
            newHead: AuditChainHead(seq: done, hash: progress?.newHash ?? start.hash)
        )
        var after = start.seq
        while true {
            let page = try writer.rows(after: after, limit: rowsPerTransaction)
            guard let last = page.last?.seq else { return }
            for row in page {
                if row.seq <= done {
                    if let problem = rewritten.check(row) {
                        throw AuditTrailError(
                            .tampered,
                            "the log does not verify at seq \(problem.seq) (\(problem.kind.rawValue): \(problem.detail)); it is not migrated",
                            seq: problem.seq
                        )
                    }
                } else {
                    _ = try rewriter.rewrite(row)
                }
            }
            after = last
        }
    }

    /// One transaction: rewrites the next rows, or — when none are left — records format v1.
    /// Returns true when the store is of format v1.
    static func rewriteNextRows(_ writer: SQLiteRawConnection, start: AuditChainHead, limit: Int) throws -> Bool {
        try writer.immediateTransaction {
            // Another process may have finished (or advanced) the rewrite meanwhile.
            if try format(writer) == AuditChain.Format.v1.rawValue { return true }
            let progress = try progress(writer) ?? Progress(doneSeq: start.seq, oldHash: start.hash, newHash: start.hash, rewritten: 0)
            let page = try writer.rows(after: progress.doneSeq, limit: limit)
            guard let last = page.last else {
                try writer.execute("INSERT INTO log_info (name, value) VALUES ('chain_format', '1')")
                try writer.execute("UPDATE chain_migration SET finished = 1")
                return true
            }
            var rewriter = AuditChainRewriter(
                from: .v0,
                oldHead: AuditChainHead(seq: progress.doneSeq, hash: progress.oldHash),
                newHead: AuditChainHead(seq: progress.doneSeq, hash: progress.newHash)
            )
            var hashes: [AuditHash] = []
            hashes.reserveCapacity(page.count)
            for row in page { hashes.append(try rewriter.rewrite(row)) }
            try writer.execute("DROP TRIGGER events_refuse_update")
            let update = try writer.prepared("UPDATE events SET hash = ? WHERE seq = ?")
            for (row, hash) in zip(page, hashes) {
                try writer.run(
                    update,
                    bind: { b in
                        b.blob(1, hash)
                        b.integer(2, row.seq)
                    }
                )
            }
            try writer.execute(refuseUpdateTrigger)
            try writer.run(
                """
                INSERT INTO chain_migration (id, from_format, done_seq, old_hash, new_hash, rewritten) VALUES (1, 0, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET done_seq = excluded.done_seq, old_hash = excluded.old_hash,
                    new_hash = excluded.new_hash, rewritten = excluded.rewritten
                """,
                bind: { b in
                    b.integer(1, last.seq)
                    b.blob(2, last.hash)
                    b.blob(3, rewriter.head.hash)
                    b.integer(4, progress.rewritten + rewriter.rewritten)
                }
            )
            return false
        }
    }
}
