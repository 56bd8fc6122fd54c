/// Pure proof verification (RFC 9162 §2.1.3.2 and §2.1.4.2). No I/O; each check hashes at most
/// about 2·log₂ n nodes, i.e. a few microseconds at a million leaves.
extension AuditMerkle {
    /// Checks that `leafHash` is leaf `index` of the tree of `size` leaves whose root is `root`.
    ///
    /// ```swift
    /// try AuditMerkle.verifyInclusion(leafHash: AuditMerkle.leafHash(canonical), index: seq - 1,
    ///                                 size: checkpoint.size, proof: proof, root: checkpoint.rootHash)
    /// ```
    /// - Throws: ``AuditTrailError`` `.invalidInput` for an impossible index or a malformed proof
    ///   (wrong length), `.tampered` when the proof does not lead to `root`.
    public static func verifyInclusion(
        leafHash: AuditHash,
        index: Int64,
        size: Int64,
        proof: [AuditHash],
        root: AuditHash
    ) throws(AuditTrailError) {
        let computed = try rootFromInclusionProof(leafHash: leafHash, index: index, size: size, proof: proof)
        guard computed == root else {
            throw AuditTrailError(.tampered, "inclusion proof for leaf \(index) does not lead to the tree root of size \(size)")
        }
    }

    /// The root that an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1–5).
    public static func rootFromInclusionProof(
        leafHash: AuditHash,
        index: Int64,
        size: Int64,
        proof: [AuditHash]
    ) throws(AuditTrailError) -> AuditHash {
        guard index >= 0, index < size else {
            throw AuditTrailError.invalid("index", "must be at least 0 and less than the tree size")
        }
        try checkHashes(proof)
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            guard sn != 0 else { throw AuditTrailError.invalid("proof", "has more hashes than the tree size allows") }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw AuditTrailError.invalid("proof", "has fewer hashes than the tree size needs") }
        return r
    }

    /// Checks that the tree of `from` leaves with root `oldRoot` is a prefix of the tree of `to`
    /// leaves with root `newRoot`.
    ///
    /// Equal sizes need an empty proof and equal roots; `from == 0` needs an empty proof.
    /// - Throws: ``AuditTrailError`` `.invalidInput` for impossible sizes or a malformed proof,
    ///   `.tampered` when the proof contradicts either root.
    public static func verifyConsistency(
        from: Int64,
        to: Int64,
        oldRoot: AuditHash,
        newRoot: AuditHash,
        proof: [AuditHash]
    ) throws(AuditTrailError) {
        guard from >= 0, from <= to else {
            throw AuditTrailError.invalid("from", "must be at least 0 and at most the newer tree size")
        }
        if from == to {
            guard proof.isEmpty else { throw AuditTrailError.invalid("proof", "must be empty for equal tree sizes") }
            guard oldRoot == newRoot else {
                throw AuditTrailError(.tampered, "two different roots for the same tree size \(to)")
            }
            return
        }
        if from == 0 {
            guard proof.isEmpty else { throw AuditTrailError.invalid("proof", "must be empty from the empty tree") }
            return
        }
        guard !proof.isEmpty else { throw AuditTrailError.invalid("proof", "must not be empty") }
        try checkHashes(proof)
        var path = proof[...]
        // Step 2: a power-of-two old tree is itself a node of the new one; its root starts the path.
        var fn = from - 1
        var sn = to - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        let seed: AuditHash
        if from & (from - 1) == 0 {
            seed = oldRoot
        } else {
            seed = path.removeFirst()
        }
        var fr = seed
        var sr = seed
        for c in path {
            guard sn != 0 else { throw AuditTrailError.invalid("proof", "has more hashes than the tree sizes allow") }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw AuditTrailError.invalid("proof", "has fewer hashes than the tree sizes need") }
        guard fr == oldRoot else {
            throw AuditTrailError(.tampered, "consistency proof does not lead to the root of tree size \(from)")
        }
        guard sr == newRoot else {
            throw AuditTrailError(.tampered, "consistency proof does not lead to the root of tree size \(to)")
        }
    }

    private static func checkHashes(_ proof: [AuditHash]) throws(AuditTrailError) {
        guard proof.count <= 128 else { throw AuditTrailError.invalid("proof", "has more than 128 hashes") }
    }
}
