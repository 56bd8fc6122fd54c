import AuditTrail
import NIOCore
import SQLiteNIO

extension SQLiteSchema {
    /// Events read per page while back-filling.
    static let backfillPageSize = 4096
    /// Nodes per multi-row `INSERT` while back-filling (three binds each, far below SQLite's limit).
    static let backfillNodesPerInsert = 300

    /// Migration 3: computes the Merkle subtree hashes of every stored event from its stored
    /// canonical bytes (leaf `seq - 1`), in seq order, inside the migration's transaction.
    ///
    /// The events must be gap-free from seq 1; a gap means rows were deleted behind the
    /// database's back, and the migration fails rather than commit a tree over a broken log.
    @Sendable static func backfillMerkleNodes(_ connection: SQLiteConnection) async throws {
        var builder = AuditMerkleTreeBuilder()
        var pending: [AuditMerkleNode] = []
        while true {
            let rows = try await connection.query(
                "SELECT seq, canonical FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                [.integer(Int(builder.size)), .integer(backfillPageSize)]
            )
            if rows.isEmpty { break }
            for row in rows {
                guard let seq = row.int64("seq"), seq == builder.size + 1 else {
                    throw AuditTrailError(
                        .tampered,
                        "cannot build the Merkle tree: seq \(builder.size + 1) is missing",
                        seq: builder.size + 1
                    )
                }
                pending += builder.append(leafHash: AuditMerkle.leafHash(row.bytes("canonical")))
                if pending.count >= backfillNodesPerInsert {
                    try await insert(pending, into: connection)
                    pending.removeAll(keepingCapacity: true)
                }
            }
        }
        try await insert(pending, into: connection)
    }

    /// One multi-row `INSERT` of `nodes` into `merkle_nodes`.
    static func insert(_ nodes: [AuditMerkleNode], into connection: SQLiteConnection) async throws {
        guard !nodes.isEmpty else { return }
        let sql =
            "INSERT INTO merkle_nodes (level, idx, hash) VALUES "
            + Array(repeating: "(?, ?, ?)", count: nodes.count).joined(separator: ", ")
        var binds: [SQLiteData] = []
        binds.reserveCapacity(nodes.count * 3)
        for node in nodes {
            binds.append(.integer(node.id.level))
            binds.append(.integer(Int(node.id.index)))
            binds.append(.hash(node.hash))
        }
        try await connection.execute(sql, binds)
    }
}
