/// What the log keeps of a removed prefix: the last removed seq, its chain hash and receipt time,
/// and the Merkle subtree hashes covering the removed leaves `0 ..< seq` (the compact range that
/// ``AuditMerkleTreeBuilder/frontierNodes(size:)`` lists for tree size `seq`).
///
/// Verification starts from the newest anchor: the chain at `hash(seq)` instead of the genesis
/// hash, and the Merkle tree from ``subtreeHashes`` plus the remaining leaves, so the roots of
/// signed checkpoints of size ≥ `seq` are recomputed — a forged anchor does not reach them.
///
/// ```swift
/// if let anchor = try await store.retentionAnchor() {
///     var tree = try anchor.treeBuilder()          // tree of `anchor.seq` leaves
///     tree.append(leafHash: AuditMerkle.leafHash(row.canonical))
/// }
/// ```
public struct AuditRetentionAnchor: Sendable, Hashable {
    /// Events `1 ... seq` were removed.
    public var seq: Int64
    /// The chain hash of event `seq`: the previous hash of event `seq + 1`.
    public var hash: AuditHash
    /// When event `seq` was received.
    public var receivedAt: AuditTime
    /// The hashes of ``AuditMerkleTreeBuilder/frontierNodes(size:)`` for size `seq`, left (highest) first.
    public var subtreeHashes: [AuditHash]
    /// When the prefix was removed.
    public var removedAt: AuditTime

    /// An anchor as a store records it (``AuditRetentionStore/removeOldestEvents(through:receivedBefore:limit:at:)``).
    public init(seq: Int64, hash: AuditHash, receivedAt: AuditTime, subtreeHashes: [AuditHash], removedAt: AuditTime) {
        self.seq = seq
        self.hash = hash
        self.receivedAt = receivedAt
        self.subtreeHashes = subtreeHashes
        self.removedAt = removedAt
    }

    /// Where the chain of the remaining events starts.
    public var chainStart: AuditChainHead { AuditChainHead(seq: seq, hash: hash) }

    /// The Merkle tree of the removed leaves, ready to take the remaining ones.
    /// - Throws: `.tampered` when the subtree hashes do not fit the tree size.
    public func treeBuilder() throws(AuditTrailError) -> AuditMerkleTreeBuilder {
        do {
            return try AuditMerkleTreeBuilder(size: seq, frontier: subtreeHashes)
        } catch {
            throw AuditTrailError(.tampered, "the retention anchor at seq \(seq) has malformed subtree hashes: \(error.message)", seq: seq)
        }
    }

    /// The RFC 6962 root of the removed prefix (of tree size ``seq``).
    public var root: AuditHash { AuditMerkle.fold(subtreeHashes) }
}
