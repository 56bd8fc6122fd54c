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
    var latestFrontier: [AuditHash] = []

    /// Checkpoints smaller than the retention anchor whose signatures verified.
    var coveredByAnchor = 0

    init(
        head: AuditChainHead,
        storedSize: Int64,
        publicKey: AuditSignerPublicKey?,
        pinned: AuditPinnedCheckpoint?,
        start: AuditChainHead
    ) {
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
            return .init(
                seq: vouched + 1,
                kind: .badSignature,
                detail: "checkpoint at tree size \(checkpoint.treeSize): "
                    + (replaced ? "not signed by key \(publicKey.text) (a wrong or replaced key)" : error.message)
            )
        }
    }

    /// Checks one stored checkpoint reached at its tree size.
    mutating func check(_ checkpoint: AuditStoredCheckpoint, root: AuditHash, frontier: [AuditHash]) -> AuditChainVerifier.Problem? {
        if let problem = signatureProblem(checkpoint) { return problem }
        let body: AuditCheckpoint
        do {
            body = try AuditCheckpoint(body: AuditSignedNote(parsing: checkpoint.note).text)
        } catch {
            return .init(seq: vouched + 1, kind: .edited, detail: "checkpoint at tree size \(checkpoint.treeSize) is malformed: \(error.message)")
        }
        guard body.size == checkpoint.treeSize, body.rootHash == checkpoint.rootHash else {
            return .init(
                seq: vouched + 1,
                kind: .edited,
                detail: "checkpoint row at tree size \(checkpoint.treeSize) differs from its signed note"
            )
        }
        guard root == checkpoint.rootHash else {
            return .init(
                seq: vouched + 1,
                kind: divergenceKind,
                detail: "events \(vouched + 1)…\(checkpoint.treeSize) do not hash to the root signed at tree size \(checkpoint.treeSize)"
            )
        }
        checkpointsChecked += 1
        vouched = checkpoint.treeSize
        latest = checkpoint
        latestFrontier = frontier
        return nil
    }

    /// Checks the kept checkpoint of an earlier run, reached at its tree size.
    func check(_ pinned: AuditPinnedCheckpoint, root: AuditHash, frontier: [AuditHash]) -> AuditChainVerifier.Problem? {
        guard root != pinned.rootHash else { return nil }
        var seq: Int64 = 1
        if pinned.frontier.count == frontier.count {
            let nodes = AuditMerkleTreeBuilder.frontierNodes(size: pinned.treeSize)
            if let index = zip(pinned.frontier, frontier).map({ $0 != $1 }).firstIndex(of: true) {
                seq = nodes[index].leaves.lowerBound + 1
            }
        }
        return .init(
            seq: seq,
            kind: .truncated,
            detail: "the log was rolled back and rewritten: events 1…\(pinned.treeSize) no longer hash to the root verified before"
        )
    }
}
