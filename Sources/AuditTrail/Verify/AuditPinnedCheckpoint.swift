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
