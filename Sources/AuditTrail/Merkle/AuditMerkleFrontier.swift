/// ``AuditMerkleTreeBuilder`` for verifiers: the same right edge, kept in one flat buffer, and
/// leaves appended from pointers with every completed subtree hash written to a per-level buffer —
/// no array per hash and none per append, which is what a walk over millions of leaves costs
/// otherwise.
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
    /// The right edge, 32 bytes per set bit of ``size``, left (highest) first.
    private var edge: [UInt8]

    init(_ builder: AuditMerkleTreeBuilder) {
        size = builder.size
        edge = []
        edge.reserveCapacity(64 * AuditMerkle.hashSize)
        for hash in builder.frontier { edge += hash }
    }

    /// Sixty-four empty per-level buffers, one per possible level.
    static func emptyLevels() -> [[UInt8]] { Array(repeating: [], count: 64) }

    /// The right edge as the public builder holds it.
    var frontier: [[UInt8]] {
        stride(from: 0, to: edge.count, by: AuditMerkle.hashSize).map { Array(edge[$0..<($0 + AuditMerkle.hashSize)]) }
    }

    /// The root of the tree so far (O(log n) hashing).
    var root: [UInt8] { AuditMerkle.fold(frontier) }

    /// Appends the leaf whose hash is the 32 bytes at `leafHash`; appends the hash of every
    /// subtree it completes to `completed[level]` — the leaf itself at level 0, then its parents.
    mutating func append(leafHash: UnsafeRawPointer, completed: inout [[UInt8]]) {
        let leaf = UnsafeRawBufferPointer(start: leafHash, count: AuditMerkle.hashSize)
        completed[0].append(contentsOf: leaf)
        var index = size
        var level = 0
        withUnsafeTemporaryAllocation(byteCount: AuditMerkle.hashSize, alignment: 8) { current in
            let hash = current.baseAddress!
            hash.copyMemory(from: leafHash, byteCount: AuditMerkle.hashSize)
            while index & 1 == 1 {
                let left = edge.count - AuditMerkle.hashSize
                edge.withUnsafeBytes { AuditMerkle.nodeHash($0.baseAddress! + left, UnsafeRawPointer(hash), into: hash) }
                edge.removeLast(AuditMerkle.hashSize)
                index >>= 1
                level += 1
                completed[level].append(contentsOf: UnsafeRawBufferPointer(current))
            }
            edge.append(contentsOf: UnsafeRawBufferPointer(current))
        }
        size += 1
    }
}
