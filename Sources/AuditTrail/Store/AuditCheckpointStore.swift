/// A log whose events are also the leaves of an RFC 6962 Merkle tree (leaf `seq - 1` is the event
/// `seq`), with the tree's subtree hashes stored and signed checkpoints kept.
///
/// Roots and proofs for any size up to the head come from ``AuditMerkleHashSource`` in O(log n)
/// reads; the ``AuditCheckpointer`` service signs tree heads and hands them to ``storeCheckpoint(_:)``.
/// The server, the CLI and the verifiers use this protocol, never a concrete store.
///
/// ```swift
/// let head = try await store.head()
/// let root = try await store.root(size: head.seq)
/// let proof = try await store.inclusionProof(index: seq - 1, size: head.seq)
/// ```
public protocol AuditCheckpointStore: AuditStoreReader, AuditMerkleHashSource {
    /// The log's identity, generated once when the store was created: 32 lower-case hex digits.
    func logID() async throws -> String
    /// The number of leaves whose hashes are stored (the head seq for an intact log).
    func merkleSize() async throws -> Int64
    /// Every stored subtree hash that appending the leaves `leaves` completed (each node whose
    /// last leaf is in the range), in any order — what a verifier compares with its own tree.
    func merkleNodes(completedBy leaves: Range<Int64>) async throws -> [AuditMerkleNode]
    /// Feeds the rows with seq in `afterSeq + 1 ... last` to `hasher` in seq order (until it has
    /// a problem), finishes it, and sets its ``AuditRowHasher/levels`` to the stored subtree
    /// hashes completed by the leaves it verified (`leavesBefore` is the first one's index) —
    /// one read-and-hash job of ``verifyLog(publicKey:pinned:pageSize:progress:)``, which runs
    /// two at once. A default builds it from ``rows(after:limit:)`` and ``merkleNodes(completedBy:)``.
    ///
    /// Store-implementation API (`@_spi(AuditStoreImplementation)`, see ``AuditRowHasher``): a
    /// store overrides it to hash rows straight from its read buffers.
    @_spi(AuditStoreImplementation)
    func hashRows(
        after afterSeq: Int64,
        through last: Int64,
        leavesBefore: Int64,
        into hasher: AuditRowHasher
    ) async throws
        -> AuditRowHasher
    /// Stores a signed checkpoint. Returns false, storing nothing, when one for its tree size exists.
    func storeCheckpoint(_ checkpoint: AuditStoredCheckpoint) async throws -> Bool
    /// The checkpoint with the largest tree size, or nil before the first one.
    func latestCheckpoint() async throws -> AuditStoredCheckpoint?
    /// Up to `limit` checkpoints with a tree size greater than `treeSize`, smallest first.
    func checkpoints(after treeSize: Int64, limit: Int) async throws -> [AuditStoredCheckpoint]
    /// The newest retention anchor (the removed prefix `1 ... anchor.seq`), or nil when no event
    /// was ever removed. ``chainStart()`` is its chain position.
    func retentionAnchor() async throws -> AuditRetentionAnchor?
}
