extension AuditLogWalk {
    /// Starts the walk at a retention anchor: loads its tree, checks its subtree hashes against
    /// the stored tree, checks the signatures of the checkpoints it covers (smaller than its seq)
    /// and the root of the one at its seq, if any. Checkpoints after it are checked as the
    /// remaining leaves reach them, against roots grown from its subtree hashes.
    mutating func start(
        from anchor: AuditRetentionAnchor,
        store: some AuditCheckpointStore,
        pageSize: Int
    ) async throws
        -> AuditChainVerifier.Problem?
    {
        let first = anchor.seq + 1
        do {
            tree = AuditMerkleFrontier(try anchor.treeBuilder())
        } catch {
            return .init(seq: first, kind: .edited, detail: error.message)
        }
        let ids = AuditMerkleTreeBuilder.frontierNodes(size: anchor.seq)
        let stored: [AuditHash]
        do {
            stored = try await store.hashes(ids)
        } catch let error as AuditTrailError where error.code == .notFound {
            return .init(
                seq: first,
                kind: .edited,
                detail: "the log's Merkle tree lacks a subtree of the retention anchor at seq \(anchor.seq): \(error.message)"
            )
        }
        if let index = zip(stored, anchor.subtreeHashes).map({ $0 != $1 }).firstIndex(of: true) {
            let leaves = ids[index].leaves
            return .init(
                seq: first,
                kind: .edited,
                detail: "the retention anchor at seq \(anchor.seq) differs from the log's Merkle tree over seqs "
                    + "\(leaves.lowerBound + 1)…\(leaves.upperBound)"
            )
        }
        if let pinned, pinned.treeSize == anchor.seq, let problem = check(pinned, root: tree.root, frontier: tree.frontier) {
            return problem
        }
        var after: Int64 = 0
        while after < anchor.seq {
            let page = try await store.checkpoints(after: after, limit: pageSize)
            guard let last = page.last else { break }
            for checkpoint in page where checkpoint.treeSize <= anchor.seq {
                if checkpoint.treeSize == anchor.seq {
                    if let problem = check(checkpoint, root: tree.root, frontier: tree.frontier) { return problem }
                } else if let problem = checkCovered(checkpoint) {
                    return problem
                }
            }
            after = last.treeSize
        }
        return nil
    }

    /// A checkpoint whose events were all removed: its signature, and that its row matches its note.
    mutating func checkCovered(_ checkpoint: AuditStoredCheckpoint) -> AuditChainVerifier.Problem? {
        if let problem = signatureProblem(checkpoint) { return problem }
        do {
            let body = try AuditCheckpoint(body: AuditSignedNote(parsing: checkpoint.note).text)
            guard body.size == checkpoint.treeSize, body.rootHash == checkpoint.rootHash else {
                return .init(
                    seq: vouched + 1,
                    kind: .edited,
                    detail: "checkpoint row at tree size \(checkpoint.treeSize) differs from its signed note"
                )
            }
        } catch {
            return .init(seq: vouched + 1, kind: .edited, detail: "checkpoint at tree size \(checkpoint.treeSize) is malformed: \(error.message)")
        }
        coveredByAnchor += 1
        return nil
    }
}
