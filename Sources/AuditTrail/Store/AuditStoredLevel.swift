/// The stored Merkle subtree hashes of one level of the tree over an index range, in index
/// order, in one flat buffer: what a verifier compares with the subtree hashes it recomputes.
///
/// Store-implementation API (`@_spi(AuditStoreImplementation)`, see ``AuditRowHasher``): the
/// hashes stay one flat buffer on purpose, so a verifier compares them in place.
///
/// ```swift
/// for range in AuditStoredLevel.ranges(completedBy: 0..<10_000) { /* one range scan per level */ }
/// ```
@_spi(AuditStoreImplementation)
public struct AuditStoredLevel: Sendable, Hashable {
    public var level: Int
    /// The stored indices, ascending (a gap means a missing node).
    public var indices: [Int64] = []
    /// 32 bytes per index, in the same order.
    public var hashes: [UInt8] = []

    public init(level: Int) { self.level = level }

    /// Adds one stored node; a hash that is not 32 bytes is kept as 32 zero bytes, which no
    /// SHA-256 output equals, so it reads as a node that differs.
    public mutating func append(index: Int64, hash: UnsafeRawBufferPointer) {
        indices.append(index)
        if hash.count == AuditHash.byteCount {
            hashes.append(contentsOf: hash)
        } else {
            hashes.append(contentsOf: repeatElement(0, count: AuditHash.byteCount))
        }
    }

    /// The nodes, as ``AuditMerkleNode`` values.
    public var nodes: [AuditMerkleNode] {
        indices.enumerated().map { offset, index in
            AuditMerkleNode(
                id: AuditMerkleNodeID(level: level, index: index),
                hash: hashes.withUnsafeBytes { AuditHash($0.baseAddress! + AuditHash.byteCount * offset) }
            )
        }
    }

    /// Per level, the index range of the subtrees whose last leaf is in `leaves`: node `(l, i)` is
    /// completed by leaf `(i + 1)·2^l − 1`. What a store reads for a run of leaves, lowest level first.
    public static func ranges(completedBy leaves: Range<Int64>) -> [(level: Int, indices: ClosedRange<Int64>)] {
        guard !leaves.isEmpty, leaves.lowerBound >= 0 else { return [] }
        var ranges: [(level: Int, indices: ClosedRange<Int64>)] = []
        var level = 0
        while level < 63, leaves.upperBound >> level >= 1 {
            let first = ((leaves.lowerBound + 1) + (Int64(1) << level) - 1) >> level - 1
            let last = leaves.upperBound >> level - 1
            if first <= last { ranges.append((level, first...last)) }
            level += 1
        }
        return ranges
    }

    /// Nodes grouped by level, each level in index order, lowest level first.
    public static func levels(of nodes: [AuditMerkleNode]) -> [AuditStoredLevel] {
        var byLevel: [Int: AuditStoredLevel] = [:]
        for node in nodes.sorted(by: { $0.id.level != $1.id.level ? $0.id.level < $1.id.level : $0.id.index < $1.id.index }) {
            node.hash.withUnsafeBytes { byLevel[node.id.level, default: .init(level: node.id.level)].append(index: node.id.index, hash: $0) }
        }
        return byLevel.keys.sorted().compactMap { byLevel[$0] }
    }
}
