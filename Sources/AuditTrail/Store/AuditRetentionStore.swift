/// A log whose oldest events can be removed — through this one path only — keeping the proof:
/// each removal records an ``AuditRetentionAnchor`` and deletes the prefix it covers in one
/// transaction, so what remains still verifies and proofs for the remaining events still work
/// (the Merkle subtree hashes and the checkpoints are kept). The store also keeps the retention
/// window, so a change survives restarts. The ``AuditRetention`` service drives it.
///
/// ```swift
/// let anchor = try await store.removeOldestEvents(through: checkpoint.treeSize, receivedBefore: cutoff,
///                                                 limit: 10_000, at: .now())
/// ```
public protocol AuditRetentionStore: AuditCheckpointStore {
    /// In one transaction: takes the events after the current anchor, in seq order, at most
    /// `limit` of them, with seqs up to `through` and received before `cutoff` (receipt times
    /// never go back in seq order); records the anchor of the last one taken and deletes them.
    /// The newest event is never removed (the chain head stays a stored row).
    ///
    /// Returns the new anchor, or nil (changing nothing) when no event qualifies.
    func removeOldestEvents(
        through seq: Int64,
        receivedBefore cutoff: AuditTime,
        limit: Int,
        at time: AuditTime
    ) async throws
        -> AuditRetentionAnchor?
    /// The stored retention window, or nil when none was ever stored.
    func retentionWindow() async throws -> AuditRetentionWindow?
    /// Stores the retention window and returns the one now in force: `window`, or — when
    /// `replacing` is false and one is stored already — the stored one, unchanged.
    @discardableResult
    func setRetentionWindow(_ window: AuditRetentionWindow, replacing: Bool) async throws -> AuditRetentionWindow
}
