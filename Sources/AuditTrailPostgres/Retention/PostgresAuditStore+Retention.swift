import AuditTrail
import NIOCore
import PostgresNIO

extension PostgresAuditStore: AuditRetentionStore {
    static let retentionSettingName = "retention_days"

    public func retentionAnchor() async throws -> AuditRetentionAnchor? {
        try await read("retention anchor") { connection in
            let rows = try await connection.checkedQuery(
                "SELECT seq, hash, received_at, subtree_hashes, removed_at FROM \(unescaped: s).retention_anchors ORDER BY seq DESC LIMIT 1",
                logger: logger
            )
            for try await (seq, hash, received, packed, removed) in rows.decode((Int64, ByteBuffer, Int64, ByteBuffer, Int64).self) {
                guard let hash = AuditHash(bytes: hash.readableBytesView), packed.readableBytes % AuditHash.byteCount == 0 else {
                    throw AuditTrailError(.tampered, "the retention anchor at seq \(seq) holds a hash that is not 32 bytes", seq: seq)
                }
                let bytes = Array(packed.readableBytesView)
                let hashes = stride(from: 0, to: bytes.count, by: AuditHash.byteCount).compactMap {
                    AuditHash(bytes: bytes[$0..<($0 + AuditHash.byteCount)])
                }
                return AuditRetentionAnchor(
                    seq: seq,
                    hash: hash,
                    receivedAt: AuditTime(milliseconds: received),
                    subtreeHashes: hashes,
                    removedAt: AuditTime(milliseconds: removed)
                )
            }
            return nil
        }
    }

    /// In one transaction holding the chain head's row (so appends wait and the head cannot move):
    /// records the anchor of the last qualifying event and deletes the rows up to it through the
    /// owner's `delete_removed_events` — the only `DELETE` the schema allows. When the oldest
    /// month's partition is wholly expired, the anchor covers all of it (past `limit`: no row is
    /// deleted one by one) and the partition is dropped instead.
    public func removeOldestEvents(
        through seq: Int64,
        receivedBefore cutoff: AuditTime,
        limit: Int,
        at time: AuditTime
    ) async throws
        -> AuditRetentionAnchor?
    {
        guard limit > 0 else { throw AuditTrailError.invalid("limit", "must be at least 1") }
        let anchor = try await transaction("retention") { connection -> AuditRetentionAnchor? in
            let head = try await self.lockedHead(on: connection)
            var previous: Int64 = 0
            for try await value in try await connection.checkedQuery(
                "SELECT coalesce(max(seq), 0) FROM \(unescaped: s).retention_anchors",
                logger: logger
            ).decode(Int64.self) {
                previous = value
            }
            // The newest event stays, so the chain head is always a stored row.
            let ceiling = min(seq, head.chain.seq - 1)
            var bound = min(ceiling, previous + Int64(limit))
            if let month = try await self.oldestMonth(after: previous, on: connection), month.lastSeq > bound, month.lastSeq <= ceiling,
                month.end <= cutoff.milliseconds
            {
                bound = month.lastSeq
            }
            guard bound > previous else { return nil }
            var last: (seq: Int64, hash: ByteBuffer, receivedAt: Int64)?
            for try await row in try await connection.checkedQuery(
                """
                SELECT seq, hash, received_at FROM \(unescaped: s).events
                WHERE seq > \(previous) AND seq <= \(bound) AND received_at < \(cutoff.milliseconds) ORDER BY seq DESC LIMIT 1
                """,
                logger: logger
            ).decode((Int64, ByteBuffer, Int64).self) {
                last = row
            }
            guard let last else { return nil }
            guard let lastHash = AuditHash(bytes: last.hash.readableBytesView) else {
                throw AuditTrailError(.tampered, "the stored chain hash of seq \(last.seq) is not 32 bytes", seq: last.seq)
            }
            let tree = try await self.merkleBuilder(size: last.seq, on: connection)
            let anchor = AuditRetentionAnchor(
                seq: last.seq,
                hash: lastHash,
                receivedAt: AuditTime(milliseconds: last.receivedAt),
                subtreeHashes: tree.frontier,
                removedAt: time
            )
            let packed = ByteBuffer(bytes: anchor.subtreeHashes.flatMap(\.bytes))
            try await connection.checkedQuery(
                """
                UPDATE \(unescaped: s).action_counts c SET count = c.count - r.n
                FROM (SELECT action, count(*) AS n FROM \(unescaped: s).events WHERE seq > \(previous) AND seq <= \(anchor.seq) GROUP BY action) r
                WHERE c.action = r.action
                """,
                logger: logger
            )
            try await connection.checkedQuery("DELETE FROM \(unescaped: s).action_counts WHERE count <= 0", logger: logger)
            try await connection.checkedQuery(
                """
                INSERT INTO \(unescaped: s).retention_anchors (seq, hash, received_at, subtree_hashes, removed_at)
                VALUES (\(anchor.seq), \(last.hash), \(anchor.receivedAt.milliseconds), \(packed), \(time.milliseconds))
                """,
                logger: logger
            )
            // Whole months first (a DROP), then the rows left below the anchor.
            try await connection.checkedQuery("SELECT \(unescaped: s).drop_removed_partitions()", logger: logger)
            try await connection.checkedQuery("SELECT \(unescaped: s).delete_removed_events(\(previous))", logger: logger)
            return anchor
        }
        return anchor
    }

    /// The month of the oldest row after `previous`: its end (ms, exclusive) and the last seq
    /// received in it (receipt times never go back in seq order, so that month's rows are a run
    /// of seqs). Both through the seq index and partition pruning.
    func oldestMonth(after previous: Int64, on connection: PostgresConnection) async throws -> (end: Int64, lastSeq: Int64)? {
        var first: Int64?
        for try await received in try await connection.checkedQuery(
            "SELECT received_at FROM \(unescaped: s).events WHERE seq > \(previous) ORDER BY seq LIMIT 1",
            logger: logger
        ).decode(Int64.self) {
            first = received
        }
        guard let first else { return nil }
        let end = Self.monthStart(after: first, months: 0)
        for try await seq in try await connection.checkedQuery(
            "SELECT max(seq) FROM \(unescaped: s).events WHERE received_at < \(end)",
            logger: logger
        ).decode(Int64?.self) {
            if let seq { return (end, seq) }
        }
        return nil
    }

    public func retentionWindow() async throws -> AuditRetentionWindow? {
        let text = try await read("retention window") { connection -> String? in
            let rows = try await connection.checkedQuery(
                "SELECT value FROM \(unescaped: s).settings WHERE name = \(Self.retentionSettingName)",
                logger: logger
            )
            for try await value in rows.decode(String.self) { return value }
            return nil
        }
        guard let text else { return nil }
        do {
            return try AuditRetentionWindow(parsing: text)
        } catch {
            throw AuditTrailError(.storeFailure, "the stored retention window is malformed")
        }
    }

    @discardableResult
    public func setRetentionWindow(_ window: AuditRetentionWindow, replacing: Bool) async throws -> AuditRetentionWindow {
        let value = String(window.days ?? 0)
        _ = try await read("retention window") { connection in
            if replacing {
                try await connection.checkedQuery(
                    """
                    INSERT INTO \(unescaped: s).settings (name, value) VALUES (\(Self.retentionSettingName), \(value))
                    ON CONFLICT (name) DO UPDATE SET value = excluded.value
                    """,
                    logger: logger
                )
            } else {
                try await connection.checkedQuery(
                    "INSERT INTO \(unescaped: s).settings (name, value) VALUES (\(Self.retentionSettingName), \(value)) ON CONFLICT (name) DO NOTHING",
                    logger: logger
                )
            }
        }
        return try await retentionWindow() ?? window
    }
}
