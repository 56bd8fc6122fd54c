import AuditTrail
import SQLiteNIO

/// Retention: `retention_anchors` holds one row per removal (migration 4), and the DELETE trigger
/// on `events` lets through only rows at or below the newest anchor's seq — so the one way to
/// remove events is to record their anchor first, in the same transaction. `merkle_nodes` and
/// `checkpoints` are kept, so proofs for the remaining events work unchanged. The postings of
/// removed events stay in the index file; every query reads the events table, so they match nothing.
extension SQLiteAuditStore: AuditRetentionStore {
    /// The `settings` row of the retention window (days; 0 is off).
    static let retentionSettingName = "retention_days"

    /// The newest anchor, or nil.
    public func retentionAnchor() async throws -> AuditRetentionAnchor? {
        let rows = try await read("retention anchor") {
            try await $0.query("SELECT seq, hash, received_at, subtree_hashes, removed_at FROM retention_anchors ORDER BY seq DESC LIMIT 1")
        }
        guard let row = rows.first else { return nil }
        guard let seq = row.int64("seq"), let received = row.int64("received_at"), let removed = row.int64("removed_at") else {
            throw AuditTrailError(.storeFailure, "a retention anchor row lacks a column")
        }
        let packed = row.bytes("subtree_hashes")
        guard let hash = row.hash("hash"), packed.count % AuditHash.byteCount == 0 else {
            throw AuditTrailError(.tampered, "the retention anchor at seq \(seq) holds a hash that is not 32 bytes", seq: seq)
        }
        let hashes = packed.withUnsafeBytes { packed in
            stride(from: 0, to: packed.count, by: AuditHash.byteCount).map { AuditHash(packed.baseAddress! + $0) }
        }
        return AuditRetentionAnchor(
            seq: seq,
            hash: hash,
            receivedAt: AuditTime(milliseconds: received),
            subtreeHashes: hashes,
            removedAt: AuditTime(milliseconds: removed)
        )
    }

    /// One `BEGIN IMMEDIATE` transaction on the append connection, under the append gate: picks
    /// the last event to remove (events are received in seq order: `received_at` never goes back),
    /// reads its chain hash and the stored subtree hashes of the prefix, records the anchor,
    /// lowers the per-action counts and deletes the rows. At most `limit` rows, so an append waits
    /// at most one such transaction.
    public func removeOldestEvents(
        through seq: Int64,
        receivedBefore cutoff: AuditTime,
        limit: Int,
        at time: AuditTime
    ) async throws
        -> AuditRetentionAnchor?
    {
        guard limit > 0 else { throw AuditTrailError.invalid("limit", "must be at least 1") }
        return try await onAppendConnection("retention") { writer in
            try writer.immediateTransaction { try writer.removeOldest(through: seq, receivedBefore: cutoff, limit: limit, at: time) }
        }
    }

    /// The stored window, or nil.
    public func retentionWindow() async throws -> AuditRetentionWindow? {
        let rows = try await read("retention window") {
            try await $0.query("SELECT value FROM settings WHERE name = ?", [.text(Self.retentionSettingName)])
        }
        guard let text = rows.first?.text("value") else { return nil }
        do {
            return try AuditRetentionWindow(parsing: text)
        } catch {
            throw AuditTrailError(.storeFailure, "the stored retention window is malformed")
        }
    }

    /// One autocommit statement on a reader connection (as key writes are), so any process may
    /// change it while another appends.
    @discardableResult
    public func setRetentionWindow(_ window: AuditRetentionWindow, replacing: Bool) async throws -> AuditRetentionWindow {
        let conflict = replacing ? "DO UPDATE SET value = excluded.value" : "DO NOTHING"
        try await read("retention window") { connection in
            _ = try await connection.query(
                "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) \(conflict)",
                [.text(Self.retentionSettingName), .text(String(window.days ?? 0))]
            )
        }
        return try await retentionWindow() ?? window
    }
}

extension SQLiteRawConnection {
    /// The body of ``SQLiteAuditStore/removeOldestEvents(through:receivedBefore:limit:at:)``,
    /// inside its transaction.
    func removeOldest(
        through seq: Int64,
        receivedBefore cutoff: AuditTime,
        limit: Int,
        at time: AuditTime
    ) throws
        -> AuditRetentionAnchor?
    {
        var previous: Int64 = 0
        try run("SELECT coalesce(max(seq), 0) FROM retention_anchors", row: { previous = $0.integer(0) ?? 0 })
        let head = try readHead()
        // The newest event stays, so the chain head is always a stored row.
        let bound = min(seq, head.seq - 1, previous + Int64(limit))
        guard bound > previous else { return nil }
        var last: (seq: Int64, hash: AuditHash?, receivedAt: Int64)?
        try run(
            "SELECT seq, hash, received_at FROM events WHERE seq > ? AND seq <= ? AND received_at < ? ORDER BY seq DESC LIMIT 1",
            bind: { b in
                b.integer(1, previous)
                b.integer(2, bound)
                b.integer(3, cutoff.milliseconds)
            },
            row: { row in
                last = (row.integer(0) ?? 0, row.hash(1), row.integer(2) ?? 0)
            }
        )
        guard let last else { return nil }
        guard let lastHash = last.hash else {
            throw AuditTrailError(.tampered, "the stored chain hash of seq \(last.seq) is not 32 bytes", seq: last.seq)
        }
        let tree = try merkleBuilder(size: last.seq)
        let anchor = AuditRetentionAnchor(
            seq: last.seq,
            hash: lastHash,
            receivedAt: AuditTime(milliseconds: last.receivedAt),
            subtreeHashes: tree.frontier,
            removedAt: time
        )
        var removedCounts: [(String, Int64)] = []
        try run(
            "SELECT action, count(*) FROM events WHERE seq > ? AND seq <= ? GROUP BY action",
            bind: { b in
                b.integer(1, previous)
                b.integer(2, anchor.seq)
            },
            row: { row in
                if let action = row.text(0) { removedCounts.append((action, row.integer(1) ?? 0)) }
            }
        )
        try run(
            "INSERT INTO retention_anchors (seq, hash, received_at, subtree_hashes, removed_at) VALUES (?, ?, ?, ?, ?)",
            bind: { b in
                b.integer(1, anchor.seq)
                b.blob(2, anchor.hash)
                b.integer(3, anchor.receivedAt.milliseconds)
                b.blob(4, anchor.subtreeHashes.flatMap(\.bytes))
                b.integer(5, time.milliseconds)
            }
        )
        try run(
            "DELETE FROM events WHERE seq > ? AND seq <= ?",
            bind: { b in
                b.integer(1, previous)
                b.integer(2, anchor.seq)
            }
        )
        for (action, count) in removedCounts {
            try run(
                "UPDATE action_counts SET count = count - ? WHERE action = ?",
                bind: { b in
                    b.integer(1, count)
                    b.text(2, action)
                }
            )
        }
        try run("DELETE FROM action_counts WHERE count <= 0")
        return anchor
    }
}
