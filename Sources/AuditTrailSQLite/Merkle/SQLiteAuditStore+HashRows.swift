@_spi(AuditStoreImplementation) import AuditTrail

extension SQLiteAuditStore {
    /// One read-and-hash job on a read-only scan handle: every row is hashed where SQLite holds
    /// it (no copy of its bytes), then the stored subtree hashes of the verified leaves are read
    /// with one primary-key range scan per level, all on the same thread.
    @_spi(AuditStoreImplementation)
    public func hashRows(
        after afterSeq: Int64,
        through last: Int64,
        leavesBefore: Int64,
        into hasher: AuditRowHasher
    ) async throws
        -> AuditRowHasher
    {
        try await scan("verification rows") { scanner in
            var hasher = hasher
            if afterSeq < last {
                try scanner.run(
                    "SELECT seq, canonical, hash FROM events WHERE seq > ? AND seq <= ? ORDER BY seq",
                    bind: { b in
                        b.integer(1, afterSeq)
                        b.integer(2, last)
                    },
                    row: { row in
                        guard let seq = row.integer(0) else { throw AuditTrailError(.tampered, "a stored event lacks its seq") }
                        if !row.withBytes(1, { canonical in row.withBytes(2) { hasher.add(seq: seq, canonical: canonical, hash: $0) } }) {
                            throw SQLiteRawConnection.Stop()
                        }
                    }
                )
            }
            hasher.finish()
            let leaves = leavesBefore..<(leavesBefore + Int64(hasher.leaves.count / AuditHash.byteCount))
            hasher.levels = try scanner.storedLevels(completedBy: leaves)
            return hasher
        }
    }
}
