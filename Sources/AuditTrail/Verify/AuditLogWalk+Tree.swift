extension AuditLogWalk {
    /// Grows ``tree`` over a page's leaf hashes (32 bytes per row), then checks, in seq order of
    /// what they vouch for, the stored nodes of the page, the checkpoints it reached and the
    /// checkpoint kept from an earlier run; returns the first problem.
    mutating func grow(
        with levels: [AuditStoredLevel],
        leaves: [UInt8],
        checkpoints: inout AuditCheckpointQueue,
        store: some AuditCheckpointStore
    ) async throws -> AuditChainVerifier.Problem? {
        let pageStart = tree.size
        let count = leaves.count / AuditHash.byteCount
        try await checkpoints.fetch(through: pageStart + Int64(count), from: store)
        var completed = AuditMerkleFrontier.emptyLevels()
        var reached: [(checkpoint: AuditStoredCheckpoint, root: AuditHash, frontier: [AuditHash])] = []
        var pinnedReached: (root: AuditHash, frontier: [AuditHash])?
        leaves.withUnsafeBytes { leaves in
            for row in 0..<count {
                tree.append(leafHash: leaves.baseAddress! + AuditHash.byteCount * row, completed: &completed)
                if pinned?.treeSize == tree.size { pinnedReached = (tree.root, tree.frontier) }
                if let checkpoint = checkpoints.reached(tree.size) { reached.append((checkpoint, tree.root, tree.frontier)) }
            }
        }
        if let problem = compareStoredTree(levels, pageStart: pageStart, computed: completed) { return problem }
        for entry in reached {
            if let problem = check(entry.checkpoint, root: entry.root, frontier: entry.frontier) { return problem }
        }
        if let pinned, let pinnedReached, let problem = check(pinned, root: pinnedReached.root, frontier: pinnedReached.frontier) {
            return problem
        }
        return nil
    }

    /// Whether the stored subtree hashes read with the page agree with the ones just recomputed
    /// for its leaves (`computed[level]`, in index order): the first node that differs or is
    /// missing — in leaf order, then level — names its seq.
    func compareStoredTree(_ levels: [AuditStoredLevel], pageStart: Int64, computed: [[UInt8]]) -> AuditChainVerifier.Problem? {
        var first: (seq: Int64, level: Int, missing: Bool)?
        for range in AuditStoredLevel.ranges(completedBy: pageStart..<tree.size) {
            let stored = levels.first { $0.level == range.level } ?? .init(level: range.level)
            let mismatch: (index: Int64, missing: Bool)? = computed[range.level].withUnsafeBytes { ours in
                stored.hashes.withUnsafeBytes { theirs in
                    var row = 0
                    for (offset, index) in range.indices.enumerated() {
                        while row < stored.indices.count, stored.indices[row] < index { row += 1 }
                        guard row < stored.indices.count, stored.indices[row] == index else { return (index, true) }
                        if !AuditMerkle.equal(ours.baseAddress! + 32 * offset, theirs.baseAddress! + 32 * row) { return (index, false) }
                        row += 1
                    }
                    return nil
                }
            }
            guard let mismatch else { continue }
            let seq = (mismatch.index + 1) << range.level
            if first == nil || seq < first!.seq { first = (seq, range.level, mismatch.missing) }
        }
        guard let first else { return nil }
        if first.missing {
            return .init(
                seq: first.seq,
                kind: .inserted,
                detail: "the log's Merkle tree holds \(storedSize) leaves; seq \(first.seq) is not among them"
            )
        }
        let what =
            first.level == 0
            ? "the event's bytes are not the leaf the log's Merkle tree holds"
            : "the stored Merkle subtree hash over seqs \(first.seq - (Int64(1) << first.level) + 1)…\(first.seq) does not match the events"
        return .init(seq: first.seq, kind: first.level == 0 ? divergenceKind : .edited, detail: "\(what) for seq \(first.seq)")
    }

}
