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
}
