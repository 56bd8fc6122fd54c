/// Names one perfect subtree: the `2^level` leaves `index·2^level ..< (index+1)·2^level`.
///
/// Level 0 is the leaves themselves; a store keeps the hash of every complete subtree it has seen
/// (about two per leaf) and looks them up by this pair.
public struct AuditMerkleNodeID: Sendable, Hashable, CustomStringConvertible {
    /// The height of the subtree: 0 for a leaf.
    public var level: Int
    /// The position of the subtree among those of the same level, from 0.
    public var index: Int64

    public init(level: Int, index: Int64) {
        self.level = level
        self.index = index
    }

    /// The leaves the subtree covers.
    public var leaves: Range<Int64> { (index << level)..<((index + 1) << level) }

    public var description: String { "(\(level), \(index))" }

    /// The subtree's place in the order a log completes its subtrees: leaf by leaf, each leaf
    /// followed by the subtrees it completes, lowest first. A log of `n` leaves holds exactly
    /// positions `0 ..< firstPosition(ofLeaf: n)`, so a store keyed by position appends at its end
    /// and the nodes a run of leaves completed are one range (`(0,0)` 0, `(0,1)` 1, `(1,0)` 2,
    /// `(0,2)` 3, `(0,3)` 4, `(1,1)` 5, `(2,0)` 6, …).
    /// - Precondition: ``hasPosition``.
    public var position: Int64 {
        precondition(hasPosition, "no Merkle position for subtree \(self)")
        return Self.firstPosition(ofLeaf: ((index + 1) << level) - 1) + Int64(level)
    }

    /// Whether the subtree lies in a tree of at most 2^61 leaves, those ``position`` numbers (a
    /// negative index or level, or one past that, names nothing a store can hold).
    public var hasPosition: Bool {
        (0...61).contains(level) && index >= 0 && index < Int64(1) << (61 - level)
    }

    /// The largest position: the last of the tree of 2^61 leaves.
    public static let maximumPosition = firstPosition(ofLeaf: 1 << 61) - 1

    /// The position of leaf `leaf`, the first of those it completes: the count of subtrees in a
    /// tree of `leaf` leaves, `2·leaf − popcount(leaf)`.
    public static func firstPosition(ofLeaf leaf: Int64) -> Int64 {
        2 * leaf - Int64(leaf.nonzeroBitCount)
    }

    /// The subtree at `position`: the inverse of ``position``.
    /// - Precondition: `0 ... maximumPosition` holds `position`.
    public init(position: Int64) {
        precondition((0...Self.maximumPosition).contains(position), "no Merkle subtree at position \(position)")
        // The completing leaf m is the largest with firstPosition(m) ≤ position; every m up to
        // (position + 1) / 2 qualifies (firstPosition(m) ≤ 2m − 1), and none past (position + 64) / 2.
        var positions = AscendingPositions(fromLeaf: (position + 1) / 2)
        self = positions.id(at: position)
    }

    /// Decodes positions that only go up, from leaf `fromLeaf`'s on, moving the completing leaf
    /// forward instead of searching for it: how a store reads a range scan of positions.
    public struct AscendingPositions: Sendable {
        private var leaf: Int64
        private var start: Int64
        private var next: Int64

        public init(fromLeaf leaf: Int64) {
            self.leaf = leaf
            start = AuditMerkleNodeID.firstPosition(ofLeaf: leaf)
            next = AuditMerkleNodeID.firstPosition(ofLeaf: leaf + 1)
        }

        /// The subtree at `position`, which is at least the first position of the starting leaf
        /// and at least every position decoded before.
        public mutating func id(at position: Int64) -> AuditMerkleNodeID {
            while position >= next {
                leaf += 1
                start = next
                next = AuditMerkleNodeID.firstPosition(ofLeaf: leaf + 1)
            }
            let level = Int(position - start)
            return AuditMerkleNodeID(level: level, index: ((leaf + 1) >> level) - 1)
        }
    }
}
