@_spi(AuditStoreImplementation) import AuditTrail

extension SQLiteRawConnection {
    /// The one-node `INSERT` the writer prepares once.
    static let insertMerkleNodeSQL = "INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)"

    /// Inserts the Merkle subtree hashes the sealed rows completed, in the append's transaction.
    func insertMerkleNodes(_ rows: [AuditSealedEvent]) throws {
        let statement = try prepared(Self.insertMerkleNodeSQL)
        for row in rows {
            for node in row.merkleNodes {
                try run(
                    statement,
                    bind: { b in
                        b.integer(1, Int64(node.id.level))
                        b.integer(2, node.id.index)
                        b.blob(3, node.hash)
                    }
                )
            }
        }
    }

    /// The tree builder for a log of `size` events, from the stored right edge (popcount(size)
    /// look-ups), read inside the current transaction.
    func merkleBuilder(size: Int64) throws -> AuditMerkleTreeBuilder {
        let statement = try prepared("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?")
        var frontier: [AuditHash] = []
        for id in AuditMerkleTreeBuilder.frontierNodes(size: size) {
            var found: AuditHash??
            try run(
                statement,
                bind: { b in
                    b.integer(1, Int64(id.level))
                    b.integer(2, id.index)
                },
                row: { found = $0.hash(0) }
            )
            guard let found else {
                throw AuditTrailError(.tampered, "the stored Merkle tree lacks subtree \(id) of the tree of \(size) events")
            }
            guard let found else { throw AuditTrailError(.tampered, "the stored Merkle subtree hash \(id) is not 32 bytes") }
            frontier.append(found)
        }
        return try AuditMerkleTreeBuilder(size: size, frontier: frontier)
    }

    /// The stored subtree hashes of one level in an index range, in index order (one primary-key
    /// range scan), as a verifier compares them.
    func storedLevel(_ level: Int, indices: ClosedRange<Int64>) throws -> AuditStoredLevel {
        var stored = AuditStoredLevel(level: level)
        stored.indices.reserveCapacity(indices.count)
        stored.hashes.reserveCapacity(AuditHash.byteCount * indices.count)
        try run(
            "SELECT idx, hash FROM merkle_nodes WHERE level = ? AND idx BETWEEN ? AND ? ORDER BY idx",
            bind: { b in
                b.integer(1, Int64(level))
                b.integer(2, indices.lowerBound)
                b.integer(3, indices.upperBound)
            },
            row: { row in
                guard let index = row.integer(0) else { return }
                row.withBytes(1) { stored.append(index: index, hash: $0) }
            }
        )
        return stored
    }

    /// The stored subtree hashes completed by `leaves`, per level, lowest first.
    func storedLevels(completedBy leaves: Range<Int64>) throws -> [AuditStoredLevel] {
        try AuditStoredLevel.ranges(completedBy: leaves).map { try storedLevel($0.level, indices: $0.indices) }
    }
}
