/// A checkpoint a verifier kept from an earlier run (the CLI's state file): the next run proves
/// that the log is still an extension of it, so a truncated or rolled-back log is caught even
/// when its chain and its remaining checkpoints look whole.
public struct AuditPinnedCheckpoint: Sendable, Hashable {
    /// The tree size verified before.
    public var treeSize: Int64
    /// Its root.
    public var rootHash: [UInt8]
    /// Its right edge (``AuditMerkleTreeBuilder/frontier``), to name where a rewritten log first
    /// differs; may be empty.
    public var frontier: [[UInt8]]

    public init(treeSize: Int64, rootHash: [UInt8], frontier: [[UInt8]] = []) {
        self.treeSize = treeSize; self.rootHash = rootHash; self.frontier = frontier
    }
}

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
    public var latestFrontier: [[UInt8]]
    public var problem: AuditChainVerifier.Problem?
}

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
        publicKey: AuditSignerPublicKey?, pinned: AuditPinnedCheckpoint? = nil, pageSize: Int = 10_000,
        progress: (@Sendable (_ checked: Int64, _ headSeq: Int64) -> Void)? = nil
    ) async throws -> AuditLogVerification {
        let anchor = try await retentionAnchor()
        let start = anchor?.chainStart ?? AuditChainHead(seq: 0, hash: AuditChain.genesis)
        // In this order, so that appends and checkpoints made meanwhile by a running server
        // never look like truncation: every checkpoint read is at most the head read after it.
        let latestSigned = try await latestCheckpoint()
        let head = try await head()
        let storedSize = try await merkleSize()
        var walk = AuditLogWalk(head: head, storedSize: storedSize, publicKey: publicKey, pinned: pinned, start: start)
        func finish(_ problem: AuditChainVerifier.Problem?) -> AuditLogVerification {
            AuditLogVerification(checked: walk.chain.checked, checkpointsChecked: walk.checkpointsChecked,
                                 checkpointsCoveredByAnchor: walk.coveredByAnchor, anchor: anchor, head: walk.chain.head,
                                 latestCheckpoint: walk.latest, latestFrontier: walk.latestFrontier, problem: problem)
        }
        // A signed or kept tree larger than the log: its newest rows are gone.
        if let latest = latestSigned, latest.treeSize > head.seq {
            if let problem = walk.signatureProblem(latest) { return finish(problem) }
            return finish(.init(seq: head.seq + 1, kind: .truncated,
                                detail: "checkpoint at tree size \(latest.treeSize) is signed, but the log ends at seq \(head.seq)"))
        }
        if let pinned, pinned.treeSize > head.seq {
            return finish(.init(seq: head.seq + 1, kind: .truncated,
                                detail: "tree size \(pinned.treeSize) was verified before, but the log ends at seq \(head.seq)"))
        }
        var queued: ArraySlice<AuditStoredCheckpoint> = []
        var fetchedUpTo: Int64 = 0
        var exhausted = false
        if let anchor {
            if let problem = try await walk.start(from: anchor, store: self, pageSize: pageSize) { return finish(problem) }
            fetchedUpTo = anchor.seq
        }
        // The next page is read while this one is hashed — its two halves on two cores, chain and
        // leaf hashes together — and then grown into the tree; all of it in page-sized buffers
        // (``AuditVerificationPage``), hashed in place.
        var tree = AuditMerkleFrontier(walk.tree)
        var page = start.seq < head.seq
            ? try await verificationPage(after: start.seq, through: head.seq, limit: pageSize, leavesBefore: tree.size)
            : AuditVerificationPage()
        while let last = page.seqs.last {
            let pageStart = tree.size
            let (current, chainBefore, headSeq) = (page, walk.chain, head.seq)
            async let following = last < headSeq
                ? verificationPage(after: last, through: headSeq, limit: pageSize, leavesBefore: pageStart + Int64(current.count))
                : AuditVerificationPage()
            // Chain and leaf hashes of both halves of the page at once, on two cores.
            let hashed = await AuditPageHashing.hashing(current, after: chainBefore)
            walk.chain = hashed.chain
            // A broken chain is reported first, as a walk that stopped at that row would.
            if let chainProblem = hashed.problem { return finish(chainProblem) }
            var completed = AuditMerkleFrontier.emptyLevels()
            var reached: [(checkpoint: AuditStoredCheckpoint, root: [UInt8], frontier: [[UInt8]])] = []
            var pinnedReached: (root: [UInt8], frontier: [[UInt8]])?
            // The checkpoints up to the page's end are fetched first, so the loop never waits.
            let pageEnd = pageStart + Int64(current.count)
            while !exhausted, fetchedUpTo < pageEnd {
                let fetched = try await checkpoints(after: fetchedUpTo, limit: pageSize)
                exhausted = fetched.isEmpty
                queued.append(contentsOf: fetched)
                fetchedUpTo = fetched.last?.treeSize ?? fetchedUpTo
            }
            hashed.leaves.withUnsafeBytes { leaves in
                for row in 0..<current.count {
                    tree.append(leafHash: leaves.baseAddress! + AuditMerkle.hashSize * row, completed: &completed)
                    if pinned?.treeSize == tree.size { pinnedReached = (tree.root, tree.frontier) }
                    while let next = queued.first, next.treeSize <= tree.size {
                        queued.removeFirst()
                        if next.treeSize == tree.size { reached.append((next, tree.root, tree.frontier)) }
                    }
                }
            }
            walk.tree = tree.builder
            if let problem = walk.compareStoredTree(current, pageStart: pageStart, computed: completed) {
                return finish(problem)
            }
            for entry in reached {
                if let problem = walk.check(entry.checkpoint, root: entry.root, frontier: entry.frontier) { return finish(problem) }
            }
            if let pinned, let reachedPin = pinnedReached, let problem = walk.check(pinned, root: reachedPin.root, frontier: reachedPin.frontier) {
                return finish(problem)
            }
            progress?(walk.chain.checked, head.seq)
            page = try await following
        }
        if walk.chain.head.seq != head.seq || walk.chain.head.hash != head.hash {
            return finish(.init(seq: walk.chain.head.seq + 1, kind: walk.chain.head.seq < head.seq ? .missing : .edited,
                                detail: "the chain ends at seq \(walk.chain.head.seq) but the store's head is seq \(head.seq)"))
        }
        if let pinned, pinned.treeSize > 0 {
            // What a remote client does: prove the kept tree is a prefix of the tree now served.
            let proof = try await consistencyProof(from: pinned.treeSize, to: head.seq)
            do {
                try AuditMerkle.verifyConsistency(from: pinned.treeSize, to: head.seq, oldRoot: pinned.rootHash,
                                                  newRoot: walk.tree.root, proof: proof)
            } catch {
                return finish(.init(seq: 1, kind: .truncated,
                                    detail: "the log is not an extension of tree size \(pinned.treeSize) verified before: \(error.message)"))
            }
        }
        return finish(nil)
    }
}

/// The state of one verification walk.
struct AuditLogWalk {
    let head: AuditChainHead
    let storedSize: Int64
    let publicKey: AuditSignerPublicKey?
    let pinned: AuditPinnedCheckpoint?
    var chain: AuditChainVerifier
    var tree = AuditMerkleTreeBuilder()
    var checkpointsChecked = 0
    /// The tree size of the newest checkpoint verified so far: seqs up to it are vouched for.
    var vouched: Int64 = 0
    var latest: AuditStoredCheckpoint?
    var latestFrontier: [[UInt8]] = []

    /// Checkpoints smaller than the retention anchor whose signatures verified.
    var coveredByAnchor = 0

    init(head: AuditChainHead, storedSize: Int64, publicKey: AuditSignerPublicKey?, pinned: AuditPinnedCheckpoint?,
         start: AuditChainHead) {
        self.head = head
        self.storedSize = storedSize
        self.publicKey = publicKey
        self.pinned = pinned
        self.chain = AuditChainVerifier(start: start)
        self.vouched = start.seq
    }

    /// What a leaf that differs from the stored tree means: the stored tree had fewer leaves
    /// than there are rows (something was inserted), more (something was removed), or as many.
    var divergenceKind: AuditChainVerifier.Problem.Kind {
        storedSize < head.seq ? .inserted : storedSize > head.seq ? .missing : .edited
    }

    /// Whether the stored subtree hashes read with the page agree with the ones just recomputed
    /// for its leaves (`computed[level]`, in index order): the first node that differs or is
    /// missing — in leaf order, then level — names its seq.
    func compareStoredTree(_ page: AuditVerificationPage, pageStart: Int64, computed: [[UInt8]]) -> AuditChainVerifier.Problem? {
        var first: (seq: Int64, level: Int, missing: Bool)?
        for range in AuditVerificationPage.levelRanges(completedBy: pageStart..<tree.size) {
            let stored = page.levels.first { $0.level == range.level } ?? .init(level: range.level)
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
            return .init(seq: first.seq, kind: .inserted,
                         detail: "the log's Merkle tree holds \(storedSize) leaves; seq \(first.seq) is not among them")
        }
        let what = first.level == 0 ? "the event's bytes are not the leaf the log's Merkle tree holds"
            : "the stored Merkle subtree hash over seqs \(first.seq - (Int64(1) << first.level) + 1)…\(first.seq) does not match the events"
        return .init(seq: first.seq, kind: first.level == 0 ? divergenceKind : .edited, detail: "\(what) for seq \(first.seq)")
    }

    /// The signature problem of a checkpoint, if any (nil without a key).
    func signatureProblem(_ checkpoint: AuditStoredCheckpoint) -> AuditChainVerifier.Problem? {
        guard let publicKey else { return nil }
        do {
            _ = try AuditCheckpoint(note: checkpoint.note, verifier: publicKey)
            return nil
        } catch {
            let replaced = error.fieldErrors.contains { $0.field == "key" }
            return .init(seq: vouched + 1, kind: .badSignature,
                         detail: "checkpoint at tree size \(checkpoint.treeSize): "
                            + (replaced ? "not signed by key \(publicKey.text) (a wrong or replaced key)" : error.message))
        }
    }

    /// Checks one stored checkpoint reached at its tree size.
    mutating func check(_ checkpoint: AuditStoredCheckpoint, root: [UInt8], frontier: [[UInt8]]) -> AuditChainVerifier.Problem? {
        if let problem = signatureProblem(checkpoint) { return problem }
        let body: AuditCheckpoint
        do {
            body = try AuditCheckpoint(body: AuditSignedNote(parsing: checkpoint.note).text)
        } catch {
            return .init(seq: vouched + 1, kind: .edited, detail: "checkpoint at tree size \(checkpoint.treeSize) is malformed: \(error.message)")
        }
        guard body.size == checkpoint.treeSize, body.rootHash == checkpoint.rootHash else {
            return .init(seq: vouched + 1, kind: .edited,
                         detail: "checkpoint row at tree size \(checkpoint.treeSize) differs from its signed note")
        }
        guard root == checkpoint.rootHash else {
            return .init(seq: vouched + 1, kind: divergenceKind,
                         detail: "events \(vouched + 1)…\(checkpoint.treeSize) do not hash to the root signed at tree size \(checkpoint.treeSize)")
        }
        checkpointsChecked += 1
        vouched = checkpoint.treeSize
        latest = checkpoint
        latestFrontier = frontier
        return nil
    }

    /// Checks the kept checkpoint of an earlier run, reached at its tree size.
    func check(_ pinned: AuditPinnedCheckpoint, root: [UInt8], frontier: [[UInt8]]) -> AuditChainVerifier.Problem? {
        guard root != pinned.rootHash else { return nil }
        var seq: Int64 = 1
        if pinned.frontier.count == frontier.count {
            let nodes = AuditMerkleTreeBuilder.frontierNodes(size: pinned.treeSize)
            if let index = zip(pinned.frontier, frontier).map({ $0 != $1 }).firstIndex(of: true) {
                seq = nodes[index].leaves.lowerBound + 1
            }
        }
        return .init(seq: seq, kind: .truncated,
                     detail: "the log was rolled back and rewritten: events 1…\(pinned.treeSize) no longer hash to the root verified before")
    }
}
