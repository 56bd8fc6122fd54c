@_spi(AuditStoreImplementation) import AuditTrail
import NIOCore
import PostgresNIO

extension PostgresAuditStore: AuditCheckpointStore {
    public func hash(level: Int, index: Int64) async throws -> AuditHash {
        try await hashes([AuditMerkleNodeID(level: level, index: index)])[0]
    }

    /// The subtree hashes asked for, in one query.
    public func hashes(_ ids: [AuditMerkleNodeID]) async throws -> [AuditHash] {
        guard !ids.isEmpty else { return [] }
        return try await read("merkle hashes") { try await nodes(ids, on: $0) }.hashes(of: ids)
    }

    /// The stored nodes of `ids` (those stored), in one query.
    func nodes(_ ids: [AuditMerkleNodeID], on connection: PostgresConnection) async throws -> [AuditMerkleNode] {
        let levels = ids.map { Int16($0.level) }
        let indices = ids.map(\.index)
        return try await Self.nodes(
            connection.checkedQuery(
                """
                SELECT m.level, m.idx, m.hash FROM unnest(\(levels)::int2[], \(indices)::int8[]) AS w(level, idx)
                JOIN \(unescaped: s).merkle_nodes m ON m.level = w.level AND m.idx = w.idx
                """,
                logger: logger
            )
        )
    }

    public func logID() async throws -> String {
        try await read("log id") { connection in
            let rows = try await connection.checkedQuery("SELECT value FROM \(unescaped: s).log_info WHERE name = 'log_id'", logger: logger)
            for try await id in rows.decode(String.self) where !id.isEmpty { return id }
            throw AuditTrailError(.storeFailure, "the store has no log id")
        }
    }

    public func merkleSize() async throws -> Int64 {
        try await read("merkle size") { connection in
            let rows = try await connection.checkedQuery("SELECT max(idx) FROM \(unescaped: s).merkle_nodes WHERE level = 0", logger: logger)
            for try await last in rows.decode(Int64?.self) { return last.map { $0 + 1 } ?? 0 }
            return 0
        }
    }

    public func merkleNodes(completedBy leaves: Range<Int64>) async throws -> [AuditMerkleNode] {
        guard !leaves.isEmpty else { return [] }
        var out: [AuditMerkleNode] = []
        for range in AuditStoredLevel.ranges(completedBy: leaves) {
            out += try await read("merkle nodes") { connection in
                try await Self.nodes(
                    connection.checkedQuery(
                        """
                        SELECT level, idx, hash FROM \(unescaped: s).merkle_nodes
                        WHERE level = \(Int16(range.level)) AND idx BETWEEN \(range.indices.lowerBound) AND \(range.indices.upperBound)
                        ORDER BY idx
                        """,
                        logger: logger
                    )
                )
            }
        }
        return out
    }

    public func storeCheckpoint(_ checkpoint: AuditStoredCheckpoint) async throws -> Bool {
        guard checkpoint.treeSize >= 0 else { throw AuditTrailError.invalid("tree_size", "must not be negative") }
        let root = ByteBuffer(bytes: checkpoint.rootHash.bytes)
        return try await read("checkpoint insert") { connection in
            let rows = try await connection.checkedQuery(
                """
                INSERT INTO \(unescaped: s).checkpoints (tree_size, root_hash, time, note)
                VALUES (\(checkpoint.treeSize), \(root), \(checkpoint.time.milliseconds), \(checkpoint.note))
                ON CONFLICT DO NOTHING RETURNING tree_size
                """,
                logger: logger
            )
            return try await !rows.collect().isEmpty
        }
    }

    public func latestCheckpoint() async throws -> AuditStoredCheckpoint? {
        try await read("latest checkpoint") { connection in
            try await Self.checkpoints(
                connection.checkedQuery(
                    "SELECT tree_size, root_hash, time, note FROM \(unescaped: s).checkpoints ORDER BY tree_size DESC LIMIT 1",
                    logger: logger
                )
            ).first
        }
    }

    public func checkpoints(after treeSize: Int64, limit: Int) async throws -> [AuditStoredCheckpoint] {
        guard limit > 0 else { return [] }
        return try await read("checkpoints") { connection in
            try await Self.checkpoints(
                connection.checkedQuery(
                    """
                    SELECT tree_size, root_hash, time, note FROM \(unescaped: s).checkpoints
                    WHERE tree_size > \(treeSize) ORDER BY tree_size LIMIT \(limit)
                    """,
                    logger: logger
                )
            )
        }
    }

    /// The tree builder for a log of `size` events, from the stored right edge, read inside the
    /// current transaction.
    func merkleBuilder(size: Int64, on connection: PostgresConnection) async throws -> AuditMerkleTreeBuilder {
        let ids = AuditMerkleTreeBuilder.frontierNodes(size: size)
        do {
            let frontier = ids.isEmpty ? [] : try await nodes(ids, on: connection).hashes(of: ids)
            return try AuditMerkleTreeBuilder(size: size, frontier: frontier)
        } catch let error as AuditTrailError where error.code == .notFound {
            throw AuditTrailError(.tampered, "the stored Merkle tree of \(size) events lacks a subtree: \(error.message)")
        }
    }

    static func nodes(_ rows: PostgresRowSequence) async throws -> [AuditMerkleNode] {
        var out: [AuditMerkleNode] = []
        for try await (level, index, hash) in rows.decode((Int16, Int64, ByteBuffer).self) {
            let id = AuditMerkleNodeID(level: Int(level), index: index)
            guard let hash = AuditHash(bytes: hash.readableBytesView) else {
                throw AuditTrailError(.tampered, "the stored Merkle subtree hash \(id) is not 32 bytes")
            }
            out.append(AuditMerkleNode(id: id, hash: hash))
        }
        return out
    }

    static func checkpoints(_ rows: PostgresRowSequence) async throws -> [AuditStoredCheckpoint] {
        var out: [AuditStoredCheckpoint] = []
        for try await (size, root, time, note) in rows.decode((Int64, ByteBuffer, Int64, String).self) {
            guard let root = AuditHash(bytes: root.readableBytesView) else {
                throw AuditTrailError(.tampered, "the stored root hash of the checkpoint at tree size \(size) is not 32 bytes")
            }
            out.append(AuditStoredCheckpoint(treeSize: size, rootHash: root, time: AuditTime(milliseconds: time), note: note))
        }
        return out
    }
}
