@_spi(AuditStoreImplementation) import AuditTrail

extension SQLiteRawConnection {
    /// The one-node `INSERT` the writer prepares once.
    static let insertMerkleNodeSQL = "INSERT INTO merkle_nodes (pos, hash) VALUES (?, ?)"

    /// Inserts the Merkle subtree hashes the sealed rows completed, in the append's transaction:
    /// consecutive positions at the end of `merkle_nodes` (``AuditMerkleNodeID/position``).
    func insertMerkleNodes(_ rows: [AuditSealedEvent]) throws {
        let statement = try prepared(Self.insertMerkleNodeSQL)
        for row in rows {
            for node in row.merkleNodes {
                try run(
                    statement,
                    bind: { b in
                        b.integer(1, node.id.position)
                        b.blob(2, node.hash)
                    }
                )
            }
        }
    }

    /// The tree builder for a log of `size` events, from the stored right edge (popcount(size)
    /// look-ups), read inside the current transaction.
    func merkleBuilder(size: Int64) throws -> AuditMerkleTreeBuilder {
        let statement = try prepared("SELECT hash FROM merkle_nodes WHERE pos = ?")
        var frontier: [AuditHash] = []
        for id in AuditMerkleTreeBuilder.frontierNodes(size: size) {
            var found: AuditHash??
            try run(statement, bind: { $0.integer(1, id.position) }, row: { found = $0.hash(0) })
            guard let found else {
                throw AuditTrailError(.tampered, "the stored Merkle tree lacks subtree \(id) of the tree of \(size) events")
            }
            guard let found else { throw AuditTrailError(.tampered, "the stored Merkle subtree hash \(id) is not 32 bytes") }
            frontier.append(found)
        }
        return try AuditMerkleTreeBuilder(size: size, frontier: frontier)
    }

    /// The stored subtree hashes completed by `leaves`, per level, lowest first, each in index
    /// order, as a verifier compares them: one range scan, since those nodes are the positions
    /// from leaf `leaves.lowerBound`'s to the next leaf's after `leaves`.
    func storedLevels(completedBy leaves: Range<Int64>) throws -> [AuditStoredLevel] {
        let ranges = AuditStoredLevel.ranges(completedBy: leaves)
        guard let lowest = ranges.first?.level else { return [] }
        var levels = ranges.map { range in
            var stored = AuditStoredLevel(level: range.level)
            stored.indices.reserveCapacity(range.indices.count)
            stored.hashes.reserveCapacity(AuditHash.byteCount * range.indices.count)
            return stored
        }
        // The rows come in position order.
        var positions = AuditMerkleNodeID.AscendingPositions(fromLeaf: leaves.lowerBound)
        try run(
            "SELECT pos, hash FROM merkle_nodes WHERE pos >= ? AND pos < ? ORDER BY pos",
            bind: { b in
                b.integer(1, AuditMerkleNodeID.firstPosition(ofLeaf: leaves.lowerBound))
                b.integer(2, AuditMerkleNodeID.firstPosition(ofLeaf: leaves.upperBound))
            },
            row: { row in
                guard let position = row.integer(0) else { return }
                let id = positions.id(at: position)
                row.withBytes(1) { levels[id.level - lowest].append(index: id.index, hash: $0) }
            }
        )
        return levels
    }
}
