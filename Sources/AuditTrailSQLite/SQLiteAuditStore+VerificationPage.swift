import AuditTrail

extension SQLiteAuditStore {
    /// One verification page, read on both read-only scan handles at once: the rows (their
    /// canonical bytes and hashes copied straight from SQLite's buffers into the page's, no
    /// per-row arrays) on one, and — for the leaves a gap-free page holds — one primary-key range
    /// scan per level of `merkle_nodes` on the other. A page with fewer rows than that (a gap, or
    /// the end of the log) has its nodes read again for the leaves it does hold.
    public func verificationPage(after afterSeq: Int64, through last: Int64, limit: Int, leavesBefore: Int64) async throws
        -> AuditVerificationPage {
        guard limit > 0, afterSeq < last else { return AuditVerificationPage() }
        let expected = Int(min(Int64(limit), last - afterSeq))
        async let expectedLevels = storedLevels(completedBy: leavesBefore..<(leavesBefore + Int64(expected)))
        var page = try await scan("verification page") { scanner in
            var page = AuditVerificationPage(expectedRows: expected, expectedBytes: 800 * expected)
            try scanner.run("SELECT seq, canonical, hash FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?", bind: { b in
                b.integer(1, afterSeq)
                b.integer(2, last)
                b.integer(3, Int64(limit))
            }, row: { row in
                guard let seq = row.integer(0) else { throw AuditTrailError(.tampered, "a stored event lacks its seq") }
                row.withBytes(1) { canonical in row.withBytes(2) { page.append(seq: seq, canonical: canonical, hash: $0) } }
            })
            return page
        }
        let levels = try await expectedLevels
        page.levels = page.count == expected ? levels : try await storedLevels(completedBy: leavesBefore..<(leavesBefore + Int64(page.count)))
        return page
    }

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
            hasher.levels = try AuditVerificationPage.levelRanges(completedBy: leaves).map {
                try scanner.storedLevel($0.level, indices: $0.indices)
            }
            return hasher
        }
    }

    /// The stored subtree hashes completed by `leaves`, per level, lowest first.
    func storedLevels(completedBy leaves: Range<Int64>) async throws -> [AuditVerificationPage.Level] {
        let ranges = AuditVerificationPage.levelRanges(completedBy: leaves)
        guard !ranges.isEmpty else { return [] }
        return try await scan("merkle nodes") { scanner in
            try ranges.map { try scanner.storedLevel($0.level, indices: $0.indices) }
        }
    }
}
