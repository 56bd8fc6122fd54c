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
            let leavesBefore = walk.tree.size + Int64((hashed?.leaves.count ?? 0) / AuditMerkle.hashSize)
            let (from, chainBefore) = (after, walk.chain)
            async let first = hashRows(after: from, through: middle, leavesBefore: leavesBefore,
                                       into: AuditRowHasher(after: chainBefore, through: middle, expectedRows: Int(middle - from)))
            async let second = middle < last
                ? hashRows(after: middle - 1, through: last, leavesBefore: leavesBefore + (middle - from),
                           into: AuditRowHasher(startingAt: middle, through: last, expectedRows: Int(last - middle)))
                : nil
            if let previous = hashed,
               let problem = try await walk.grow(with: previous.levels, leaves: previous.leaves, checkpoints: &checkpoints, store: self) {
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
           let problem = try await walk.grow(with: previous.levels, leaves: previous.leaves, checkpoints: &checkpoints, store: self) {
            return finish(problem)
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
    /// The tree grown over the leaves walked so far.
    var tree = AuditMerkleFrontier(AuditMerkleTreeBuilder())
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
