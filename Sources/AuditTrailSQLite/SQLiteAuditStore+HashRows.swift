import AuditTrail

extension SQLiteAuditStore {
    /// One read-and-hash job on a read-only scan handle: every row is hashed where SQLite holds
    /// it (no copy of its bytes), then the stored subtree hashes of the verified leaves are read
    /// with one primary-key range scan per level, all on the same thread.
    public func hashRows(after afterSeq: Int64, through last: Int64, leavesBefore: Int64, into hasher: AuditRowHasher) async throws
        -> AuditRowHasher {
        try await scan("verification rows") { scanner in
            var hasher = hasher
            if afterSeq < last {
                try scanner.run("SELECT seq, canonical, hash FROM events WHERE seq > ? AND seq <= ? ORDER BY seq", bind: { b in
                    b.integer(1, afterSeq)
                    b.integer(2, last)
                }, row: { row in
                    guard let seq = row.integer(0) else { throw AuditTrailError(.tampered, "a stored event lacks its seq") }
                    if !row.withBytes(1, { canonical in row.withBytes(2) { hasher.add(seq: seq, canonical: canonical, hash: $0) } }) {
                        throw SQLiteRawConnection.Stop()
                    }
                })
            }
            hasher.finish()
            let leaves = leavesBefore..<(leavesBefore + Int64(hasher.leaves.count / AuditMerkle.hashSize))
            hasher.levels = try AuditStoredLevel.ranges(completedBy: leaves).map {
                try scanner.storedLevel($0.level, indices: $0.indices)
            }
            return hasher
        }
    }

    /// The stored subtree hashes completed by `leaves`, per level, lowest first.
    func storedLevels(completedBy leaves: Range<Int64>) async throws -> [AuditStoredLevel] {
        let ranges = AuditStoredLevel.ranges(completedBy: leaves)
        guard !ranges.isEmpty else { return [] }
        return try await scan("merkle nodes") { scanner in
            try ranges.map { try scanner.storedLevel($0.level, indices: $0.indices) }
        }
    }
}
