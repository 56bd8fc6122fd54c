import AuditTrail

extension SQLiteRawConnection {
    /// The one-node `INSERT` the writer prepares once.
    static let insertMerkleNodeSQL = "INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)"

    /// Inserts the Merkle subtree hashes the sealed rows completed, in the append's transaction.
    func insertMerkleNodes(_ rows: [SQLiteSealedRow]) throws {
        let statement = try prepared(Self.insertMerkleNodeSQL)
        for row in rows {
            for node in row.merkleNodes {
                try run(statement, bind: { b in
                    b.integer(1, Int64(node.id.level))
                    b.integer(2, node.id.index)
                    b.blob(3, node.hash)
                })
            }
        }
    }

    /// The tree builder for a log of `size` events, from the stored right edge (popcount(size)
    /// look-ups), read inside the current transaction.
    func merkleBuilder(size: Int64) throws -> AuditMerkleTreeBuilder {
        let statement = try prepared("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?")
        var frontier: [[UInt8]] = []
        for id in AuditMerkleTreeBuilder.frontierNodes(size: size) {
            var found: [UInt8]?
            try run(statement, bind: { b in
                b.integer(1, Int64(id.level))
                b.integer(2, id.index)
            }, row: { found = $0.bytes(0) })
            guard let found else {
                throw AuditTrailError(.tampered, "the stored Merkle tree lacks subtree \(id) of the tree of \(size) events")
            }
            frontier.append(found)
        }
        return try AuditMerkleTreeBuilder(size: size, frontier: frontier)
    }
}
