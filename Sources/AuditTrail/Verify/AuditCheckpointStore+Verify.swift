extension AuditCheckpointStore {
    /// Verifies the whole log: re-hashes the chain and every Merkle leaf from the stored canonical
    /// bytes, checks that the stored subtree hashes (which proofs are served from) match them,
    /// checks every stored checkpoint's signature with `publicKey` and its root against the
    /// recomputed tree, and — given a checkpoint kept from an earlier run — that the log is still
    /// an extension of it (a consistency proof from the stored hashes, and the recomputed tree).
    ///
    /// The problem names the first bad seq and what is wrong: `edited`, `missing`, `inserted`,
    /// `reordered`, `truncated` or `bad_signature`. A problem with a checkpoint names the first
    /// seq that no earlier verified checkpoint vouches for.
    ///
    /// When a prefix was removed by retention, the walk starts at the anchor
    /// (``retentionAnchor()``): the chain from its hash, the Merkle tree from its subtree hashes,
    /// which must match the stored tree and — with the remaining leaves — the roots of the signed
    /// checkpoints, so a forged anchor fails. Checkpoints smaller than the anchor have only their
    /// signatures checked (``AuditLogVerification/checkpointsCoveredByAnchor``).
    ///
    /// ```swift
    /// let result = try await store.verifyLog(publicKey: signer.publicKey, pinned: kept)
    /// if let problem = result.problem { print(problem) }
    /// ```
    /// - Parameters:
    ///   - publicKey: the log's key; nil skips signature checks (roots are still checked).
    ///   - pinned: a checkpoint verified before, or nil.
    public func verifyLog(
        publicKey: AuditSignerPublicKey?,
        pinned: AuditPinnedCheckpoint? = nil,
        pageSize: Int = 10_000,
        progress: (@Sendable (_ checked: Int64, _ headSeq: Int64) -> Void)? = nil
    ) async throws -> AuditLogVerification {
        let anchor = try await retentionAnchor()
        let start = anchor?.chainStart ?? AuditChainHead(seq: 0, hash: AuditChain.genesis)
        // In this order, so that appends and checkpoints made meanwhile by a running server
        // never look like truncation: every checkpoint read, and the stored tree's size (its
        // nodes commit with their events), is at most the head read after it.
        let latestSigned = try await latestCheckpoint()
        let storedSize = try await merkleSize()
        let head = try await head()
        var walk = AuditLogWalk(head: head, storedSize: storedSize, publicKey: publicKey, pinned: pinned, start: start)
        func finish(_ problem: AuditChainVerifier.Problem?) -> AuditLogVerification {
            AuditLogVerification(
                checked: walk.chain.checked,
                checkpointsChecked: walk.checkpointsChecked,
                checkpointsCoveredByAnchor: walk.coveredByAnchor,
                anchor: anchor,
                head: walk.chain.head,
                latestCheckpoint: walk.latest,
                latestFrontier: walk.latestFrontier,
                problem: problem
            )
        }
        // A signed or kept tree larger than the log: its newest rows are gone.
        if let latest = latestSigned, latest.treeSize > head.seq {
            if let problem = walk.signatureProblem(latest) { return finish(problem) }
            return finish(
                .init(
                    seq: head.seq + 1,
                    kind: .truncated,
                    detail: "checkpoint at tree size \(latest.treeSize) is signed, but the log ends at seq \(head.seq)"
                )
            )
        }
        // A stored tree over more leaves than the log has rows: rows were removed behind its back.
        if storedSize > head.seq {
            return finish(
                .init(
                    seq: head.seq + 1,
                    kind: .truncated,
                    detail: "the log's Merkle tree holds \(storedSize) leaves, but the log ends at seq \(head.seq)"
                )
            )
        }
        if let pinned, pinned.treeSize > head.seq {
            return finish(
                .init(
                    seq: head.seq + 1,
                    kind: .truncated,
                    detail: "tree size \(pinned.treeSize) was verified before, but the log ends at seq \(head.seq)"
                )
            )
        }
        if let anchor {
            if let problem = try await walk.start(from: anchor, store: self, pageSize: pageSize) { return finish(problem) }
        }
        // A pipeline over pages of seqs: each page is read and hashed by two jobs at once (its two
        // halves, on the store's threads; the second half's chain goes on from the stored hash
        // the first half verifies), while this task grows the tree over the previous page's
        // leaves and compares it with the stored nodes. Problems are still reported in seq order.
        var checkpoints = AuditCheckpointQueue(after: anchor?.seq ?? 0, pageSize: pageSize)
        var hashed: AuditRowHasher?
        var after = start.seq
        let step = Int64(max(2, pageSize))
        while after < head.seq {
            let last = min(head.seq, after + step)
            let middle = after + (last - after + 1) / 2
            let leavesBefore = walk.tree.size + Int64((hashed?.leaves.count ?? 0) / AuditHash.byteCount)
            let (from, chainBefore) = (after, walk.chain)
            async let first = hashRows(
                after: from,
                through: middle,
                leavesBefore: leavesBefore,
                into: AuditRowHasher(after: chainBefore, through: middle, expectedRows: Int(middle - from))
            )
            async let second =
                middle < last
                ? hashRows(
                    after: middle - 1,
                    through: last,
                    leavesBefore: leavesBefore + (middle - from),
                    into: AuditRowHasher(startingAt: middle, through: last, expectedRows: Int(last - middle))
                )
                : nil
            if let previous = hashed,
                let problem = try await walk.grow(with: previous.levels, leaves: previous.leaves, checkpoints: &checkpoints, store: self)
            {
                return finish(problem)
            }
            let result = AuditRowHasher.joined(try await first, try await second)
            if let chain = result.chain { walk.chain = chain }
            // A broken chain is reported as a walk that stopped at that row would.
            if let problem = result.problem { return finish(problem) }
            hashed = result
            progress?(walk.chain.checked, head.seq)
            after = last
        }
        if let previous = hashed,
            let problem = try await walk.grow(with: previous.levels, leaves: previous.leaves, checkpoints: &checkpoints, store: self)
        {
            return finish(problem)
        }
        if walk.chain.head.seq != head.seq || walk.chain.head.hash != head.hash {
            return finish(
                .init(
                    seq: walk.chain.head.seq + 1,
                    kind: walk.chain.head.seq < head.seq ? .missing : .edited,
                    detail: "the chain ends at seq \(walk.chain.head.seq) but the store's head is seq \(head.seq)"
                )
            )
        }
        if let pinned, pinned.treeSize > 0 {
            // What a remote client does: prove the kept tree is a prefix of the tree now served.
            let proof = try await consistencyProof(from: pinned.treeSize, to: head.seq)
            do {
                try AuditMerkle.verifyConsistency(
                    from: pinned.treeSize,
                    to: head.seq,
                    oldRoot: pinned.rootHash,
                    newRoot: walk.tree.root,
                    proof: proof
                )
            } catch {
                return finish(
                    .init(
                        seq: 1,
                        kind: .truncated,
                        detail: "the log is not an extension of tree size \(pinned.treeSize) verified before: \(error.message)"
                    )
                )
            }
        }
        return finish(nil)
    }
}
