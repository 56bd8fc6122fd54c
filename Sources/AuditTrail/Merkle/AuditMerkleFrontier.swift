/// ``AuditMerkleTreeBuilder`` for verifiers: the same right edge, and leaves appended from
/// pointers with every completed subtree hash written to a flat per-level buffer — no array per
/// hash and none per append (the edge's hashes are inline ``AuditHash`` values), which is what a
/// walk over millions of leaves costs otherwise.
///
/// ```swift
/// var tree = AuditMerkleFrontier(builder)
/// var completed = AuditMerkleFrontier.emptyLevels()
/// tree.append(leafHash: leaf, completed: &completed)
/// let root = tree.root
/// ```
struct AuditMerkleFrontier: Sendable {
    /// The number of leaves appended so far.
    private(set) var size: Int64
    /// The right edge: one hash per set bit of ``size``, left (highest) first — the builder's
    /// ``AuditMerkleTreeBuilder/frontier``.
    private(set) var frontier: [AuditHash]

    init(_ builder: AuditMerkleTreeBuilder) {
        size = builder.size
        frontier = []
        frontier.reserveCapacity(64)
        frontier += builder.frontier
    }

    /// Sixty-four empty per-level buffers, one per possible level.
    static func emptyLevels() -> [[UInt8]] { Array(repeating: [], count: 64) }

    /// The root of the tree so far (O(log n) hashing).
    var root: AuditHash { AuditMerkle.fold(frontier) }

    /// Appends the leaf whose hash is the 32 bytes at `leafHash`; appends the hash of every
    /// subtree it completes to `completed[level]` — the leaf itself at level 0, then its parents.
    mutating func append(leafHash: UnsafeRawPointer, completed: inout [[UInt8]]) {
        completed[0].append(contentsOf: UnsafeRawBufferPointer(start: leafHash, count: AuditHash.byteCount))
        var hash = AuditHash(leafHash)
        var index = size
        var level = 0
        while index & 1 == 1 {
            hash = AuditMerkle.nodeHash(frontier.removeLast(), hash)
            index >>= 1
            level += 1
            hash.withUnsafeBytes { completed[level].append(contentsOf: $0) }
        }
        frontier.append(hash)
        size += 1
    }
}
