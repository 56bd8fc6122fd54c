/// The outcome of ``AuditCheckpointStore/verifyLog(publicKey:pinned:pageSize:progress:)``.
public struct AuditLogVerification: Sendable, Hashable {
    public var ok: Bool { problem == nil }
    /// Events re-hashed (chain and Merkle leaf) before the first problem.
    public var checked: Int64
    /// Checkpoints whose signature and root were checked.
    public var checkpointsChecked: Int
    /// Checkpoints of a size smaller than the retention anchor's seq: their events were removed,
    /// so only their signatures were checked (their roots cannot be recomputed).
    public var checkpointsCoveredByAnchor: Int
    /// The retention anchor the walk started from, if a prefix was removed.
    public var anchor: AuditRetentionAnchor?
    /// The last verified chain position.
    public var head: AuditChainHead
    /// The newest checkpoint that verified, with the right edge of its tree (to pin next time).
    public var latestCheckpoint: AuditStoredCheckpoint?
    public var latestFrontier: [AuditHash]
    public var problem: AuditChainVerifier.Problem?
}
