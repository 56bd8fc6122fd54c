/// A checkpoint a verifier kept from an earlier run (the CLI's state file): the next run proves
/// that the log is still an extension of it, so a truncated or rolled-back log is caught even
/// when its chain and its remaining checkpoints look whole.
public struct AuditPinnedCheckpoint: Sendable, Hashable {
    /// The tree size verified before.
    public var treeSize: Int64
    /// Its root.
    public var rootHash: AuditHash
    /// Its right edge (``AuditMerkleTreeBuilder/frontier``), to name where a rewritten log first
    /// differs; may be empty.
    public var frontier: [AuditHash]

    public init(treeSize: Int64, rootHash: AuditHash, frontier: [AuditHash] = []) {
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.frontier = frontier
    }
}

extension AuditPinnedCheckpoint {
    /// Checks that `checkpoint` extends this one with the consistency proof a server sent: the
    /// `proof` array of `GET /v1/proofs/consistency` (base64 hashes; empty when the tree sizes are
    /// equal, where the roots must match). The one check behind `audittrail verify --server` and
    /// the client's ``AuditCheckpointTracker``.
    ///
    /// ```swift
    /// try pinned.verifyExtension(by: newest, proof: answer["proof"]?.arrayValue ?? [])
    /// ```
    /// - Throws: `invalidInput` for a hash that is not base64 of 32 bytes or a smaller newer tree,
    ///   `tampered` when the proof does not join the two roots.
    public func verifyExtension(by checkpoint: AuditCheckpoint, proof: [JSONValue]) throws(AuditTrailError) {
        var hashes: [AuditHash] = []
        hashes.reserveCapacity(proof.count)
        for value in proof {
            guard let hash = value.stringValue.flatMap({ AuditHash(base64: $0) }) else {
                throw AuditTrailError.invalid("proof", "every hash must be base64 of 32 bytes")
            }
            hashes.append(hash)
        }
        try AuditMerkle.verifyConsistency(from: treeSize, to: checkpoint.size, oldRoot: rootHash, newRoot: checkpoint.rootHash, proof: hashes)
    }
}
