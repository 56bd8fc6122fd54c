/// Roots and RFC 6962 proofs for any tree size, composed of perfect-subtree hashes.
///
/// Each function first *plans* which perfect subtrees it needs (pure arithmetic), fetches them with
/// one ``AuditMerkleHashSource/hashes(_:)`` call and folds them. Complexity for a tree of `n`
/// leaves: a root reads popcount(n) ≤ log₂ n + 1 hashes; an inclusion proof at most 2·log₂ n
/// (one per level, plus the pieces of the one right-edge sibling that is not a perfect subtree); a
/// consistency proof likewise O(log n). Hashing work is the same order, so at 1,000,000 leaves a
/// proof is about 40 hashes whatever the position.
extension AuditMerkleHashSource {
    /// The RFC 6962 root (Merkle Tree Hash) of the first `size` leaves.
    ///
    /// - Parameter size: the tree size, 0 for the empty tree (whose root is `SHA-256("")`).
    public func root(size: Int64) async throws -> AuditHash {
        guard size >= 0 else { throw AuditTrailError.invalid("tree_size", "must not be negative") }
        guard size > 0 else { return AuditMerkle.emptyRoot }
        let plan = [AuditMerkle.perfectSubtrees(from: 0, to: size)]
        return try await resolve(plan)[0]
    }

    /// The RFC 6962 §2.1.1 audit path of leaf `index` in the tree of `size` leaves, leaf side first
    /// (the order RFC 9162 §2.1.3 verifies in).
    ///
    /// - Parameters:
    ///   - index: the leaf's position from 0 (for AuditTrail, `seq - 1`).
    ///   - size: the tree size; `index < size`.
    public func inclusionProof(index: Int64, size: Int64) async throws -> [AuditHash] {
        guard size > 0, index >= 0, index < size else {
            throw AuditTrailError.invalid("index", "must be at least 0 and less than the tree size")
        }
        var plan: [[AuditMerkleNodeID]] = []
        Self.planInclusion(index: index, lo: 0, hi: size, into: &plan)
        return try await resolve(plan)
    }

    /// The RFC 6962 §2.1.2 consistency proof that the tree of `from` leaves is a prefix of the tree
    /// of `to` leaves. Empty when `from` is 0 or equal to `to`.
    public func consistencyProof(from: Int64, to: Int64) async throws -> [AuditHash] {
        guard from >= 0, from <= to else {
            throw AuditTrailError.invalid("from", "must be at least 0 and at most the newer tree size")
        }
        guard from > 0, from < to else { return [] }
        var plan: [[AuditMerkleNodeID]] = []
        Self.planConsistency(m: from, lo: 0, hi: to, complete: true, into: &plan)
        return try await resolve(plan)
    }

    /// PATH(m, D[lo:hi]) of RFC 9162 §2.1.3.1, as ranges of perfect subtrees.
    static func planInclusion(index m: Int64, lo: Int64, hi: Int64, into plan: inout [[AuditMerkleNodeID]]) {
        var bounds: [(lo: Int64, hi: Int64)] = []
        var (lo, hi) = (lo, hi)
        // Walk down iteratively, remembering each sibling; the path lists them from the leaf up.
        while hi - lo > 1 {
            let mid = lo + AuditMerkle.splitPoint(hi - lo)
            if m < mid {
                bounds.append((mid, hi))
                hi = mid
            } else {
                bounds.append((lo, mid))
                lo = mid
            }
        }
        for range in bounds.reversed() {
            plan.append(AuditMerkle.perfectSubtrees(from: range.lo, to: range.hi))
        }
    }

    /// SUBPROOF(m, D[lo:hi], b) of RFC 9162 §2.1.4.1, as ranges of perfect subtrees.
    static func planConsistency(
        m: Int64,
        lo: Int64,
        hi: Int64,
        complete: Bool,
        into plan: inout [[AuditMerkleNodeID]]
    ) {
        let n = hi - lo
        if m == n {
            if !complete { plan.append(AuditMerkle.perfectSubtrees(from: lo, to: hi)) }
            return
        }
        let k = AuditMerkle.splitPoint(n)
        if m <= k {
            planConsistency(m: m, lo: lo, hi: lo + k, complete: complete, into: &plan)
            plan.append(AuditMerkle.perfectSubtrees(from: lo + k, to: hi))
        } else {
            planConsistency(m: m - k, lo: lo + k, hi: hi, complete: false, into: &plan)
            plan.append(AuditMerkle.perfectSubtrees(from: lo, to: lo + k))
        }
    }

    /// Fetches every node of the plan in one call and folds each range into one hash.
    func resolve(_ plan: [[AuditMerkleNodeID]]) async throws -> [AuditHash] {
        var unique: [AuditMerkleNodeID] = []
        var position: [AuditMerkleNodeID: Int] = [:]
        for range in plan {
            for id in range where position[id] == nil {
                position[id] = unique.count
                unique.append(id)
            }
        }
        let fetched = try await hashes(unique)
        guard fetched.count == unique.count else {
            throw AuditTrailError(.storeFailure, "hash source answered \(fetched.count) of \(unique.count) subtree hashes")
        }
        return plan.map { range in AuditMerkle.fold(range.map { fetched[position[$0]!] }) }
    }
}
