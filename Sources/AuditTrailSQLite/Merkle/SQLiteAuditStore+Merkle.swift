@_spi(AuditStoreImplementation) import AuditTrail
import SQLiteNIO

/// The Merkle tree and the checkpoints: `merkle_nodes (pos) → hash` holds every complete perfect
/// subtree by its ``AuditMerkleNodeID/position`` (written by ``SQLiteAuditStore/append(_:)`` in
/// the events' transaction, at the end of the table),
/// `checkpoints` the signed tree heads, `log_info` the log id made by migration 3.
extension SQLiteAuditStore: AuditCheckpointStore {
    /// Most subtrees asked for in one query (one bind each).
    static let hashesPerQuery = 800

    /// The stored hash of one complete subtree; `.notFound` when it is not stored, `.tampered`
    /// when what is stored is not 32 bytes.
    public func hash(level: Int, index: Int64) async throws -> AuditHash {
        try await hashes([AuditMerkleNodeID(level: level, index: index)])[0]
    }

    /// The stored hashes of several subtrees, in the order asked, with one query (per 800).
    /// Throws `.notFound` naming the first subtree that is not stored, `.tampered` naming one
    /// whose stored hash is not 32 bytes.
    public func hashes(_ ids: [AuditMerkleNodeID]) async throws -> [AuditHash] {
        var found: [AuditMerkleNode] = []
        var start = 0
        while start < ids.count {
            // A subtree with no position (a negative index…) is not stored: `hashes(of:)` names it.
            let part = ids[start..<min(ids.count, start + Self.hashesPerQuery)].filter(\.hasPosition)
            start += Self.hashesPerQuery
            if part.isEmpty { continue }
            let sql =
                "SELECT pos, hash FROM merkle_nodes WHERE pos IN ("
                + Array(repeating: "?", count: part.count).joined(separator: ", ") + ")"
            let rows = try await scan("merkle hashes") { scanner in
                var rows: [AuditMerkleNode] = []
                try scanner.run(
                    sql,
                    keep: false,
                    bind: { b in
                        for (offset, id) in part.enumerated() { b.integer(Int32(offset + 1), id.position) }
                    },
                    row: { row in
                        guard let position = row.integer(0) else { return }
                        let id = AuditMerkleNodeID(position: position)
                        guard let hash = row.hash(1) else {
                            throw AuditTrailError(.tampered, "the stored Merkle subtree hash \(id) is not 32 bytes")
                        }
                        rows.append(AuditMerkleNode(id: id, hash: hash))
                    }
                )
                return rows
            }
            found += rows
        }
        return try found.hashes(of: ids)
    }

    /// The log's id from `log_info`.
    public func logID() async throws -> String {
        let rows = try await read("log id") { try await $0.query("SELECT value FROM log_info WHERE name = 'log_id'") }
        guard let id = rows.first?.text("value"), !id.isEmpty else {
            throw AuditTrailError(.storeFailure, "the store has no log id")
        }
        return id
    }

    /// Leaves stored: one more than the leaf that completed the last stored node.
    public func merkleSize() async throws -> Int64 {
        let rows = try await read("merkle size") { try await $0.query("SELECT max(pos) AS last FROM merkle_nodes") }
        guard let last = rows.first?.int64("last"), last >= 0 else { return 0 }
        return AuditMerkleNodeID(position: min(last, AuditMerkleNodeID.maximumPosition)).leaves.upperBound
    }

    /// One primary-key range scan (the nodes a run of leaves completes are one run of
    /// positions), lowest level first, each in index order.
    public func merkleNodes(completedBy leaves: Range<Int64>) async throws -> [AuditMerkleNode] {
        guard !leaves.isEmpty else { return [] }
        return try await scan("merkle nodes") { try $0.storedLevels(completedBy: leaves) }.flatMap(\.nodes)
    }

    public func storeCheckpoint(_ checkpoint: AuditStoredCheckpoint) async throws -> Bool {
        guard checkpoint.treeSize >= 0 else { throw AuditTrailError.invalid("tree_size", "must not be negative") }
        // On the append connection, between two appends: under a steady ingest a second writer
        // connection would sleep in SQLite's busy handler and miss the short gaps between them.
        return try await onAppendConnection("checkpoint insert") { writer -> Bool in
            var inserted = false
            try writer.run(
                "INSERT INTO checkpoints (tree_size, root_hash, time, note) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING tree_size",
                bind: { b in
                    b.integer(1, checkpoint.treeSize)
                    b.blob(2, checkpoint.rootHash)
                    b.integer(3, checkpoint.time.milliseconds)
                    b.text(4, checkpoint.note)
                },
                row: { _ in inserted = true }
            )
            return inserted
        }
    }

    public func latestCheckpoint() async throws -> AuditStoredCheckpoint? {
        let rows = try await read("latest checkpoint") {
            try await $0.query("SELECT tree_size, root_hash, time, note FROM checkpoints ORDER BY tree_size DESC LIMIT 1")
        }
        return try rows.first.map(Self.checkpoint)
    }

    public func checkpoints(after treeSize: Int64, limit: Int) async throws -> [AuditStoredCheckpoint] {
        guard limit > 0 else { return [] }
        let rows = try await read("checkpoints") {
            try await $0.query(
                "SELECT tree_size, root_hash, time, note FROM checkpoints WHERE tree_size > ? ORDER BY tree_size LIMIT ?",
                [.integer(Int(treeSize)), .integer(limit)]
            )
        }
        return try rows.map(Self.checkpoint)
    }

    static func checkpoint(_ row: SQLiteRow) throws(AuditTrailError) -> AuditStoredCheckpoint {
        guard let size = row.int64("tree_size"), let time = row.int64("time"), let note = row.text("note") else {
            throw AuditTrailError(.storeFailure, "a checkpoint row lacks a column")
        }
        guard let root = row.hash("root_hash") else {
            throw AuditTrailError(.tampered, "the stored root hash of the checkpoint at tree size \(size) is not 32 bytes")
        }
        return AuditStoredCheckpoint(treeSize: size, rootHash: root, time: AuditTime(milliseconds: time), note: note)
    }
}
