/// The default ``AuditCheckpointStore/hashRows(after:through:leavesBefore:into:)``, for a store
/// that has no faster way to feed its rows to an ``AuditRowHasher``.
@_spi(AuditStoreImplementation)
extension AuditCheckpointStore {
    /// The default job: ``AuditStoreReader/rows(after:limit:)`` and ``merkleNodes(completedBy:)``.
    public func hashRows(
        after afterSeq: Int64,
        through last: Int64,
        leavesBefore: Int64,
        into hasher: AuditRowHasher
    ) async throws
        -> AuditRowHasher
    {
        var hasher = hasher
        if afterSeq < last {
            for row in try await rows(after: afterSeq, limit: Int(last - afterSeq)) where row.seq <= last {
                let more = row.canonical.withUnsafeBytes { canonical in
                    row.hash.withUnsafeBytes { hasher.add(seq: row.seq, canonical: canonical, hash: $0) }
                }
                if !more { break }
            }
        }
        hasher.finish()
        let leaves = leavesBefore..<(leavesBefore + Int64(hasher.leaves.count / AuditHash.byteCount))
        hasher.levels = AuditStoredLevel.levels(of: try await merkleNodes(completedBy: leaves))
        return hasher
    }
}
