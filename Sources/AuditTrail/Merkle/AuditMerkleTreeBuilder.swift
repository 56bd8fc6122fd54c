/// The incremental side of the tree, for appenders: keeps the right edge of the tree (one perfect
/// subtree hash per set bit of the size — a "compact range") and, for every appended leaf, hands
/// back the new perfect-subtree hashes a store must write.
///
/// Appending leaf `n` produces `1 + (trailing one bits of n)` nodes — two on average, so a store
/// writes O(1) amortised hashes per event inside its append transaction — and needs no reads once
/// the builder is loaded (``init(size:source:)`` reads popcount(size) ≤ 64 hashes). ``root`` is
/// available at any time in O(log n) hashing without reads. Compare Go's `tlog.StoredHashes`.
///
/// ```swift
/// var builder = try await AuditMerkleTreeBuilder(size: head.seq, source: hashes)
/// for event in sealed {
///     let nodes = builder.append(leafHash: AuditMerkle.leafHash(event.canonical))
///     try insert(nodes)          // in the same transaction as the event row
/// }
/// let checkpointRoot = builder.root
/// ```
public struct AuditMerkleTreeBuilder: Sendable, Hashable {
    /// The number of leaves appended so far.
    public private(set) var size: Int64
    /// The right edge: hashes of the perfect subtrees making up `0 ..< size`, left (highest) first.
    public private(set) var frontier: [AuditHash]

    /// An empty tree.
    public init() {
        size = 0
        frontier = []
    }

    /// A tree of `size` leaves from its right edge, as listed by ``frontierNodes(size:)``.
    public init(size: Int64, frontier: [AuditHash]) throws(AuditTrailError) {
        guard size >= 0 else { throw AuditTrailError.invalid("tree_size", "must not be negative") }
        guard frontier.count == size.nonzeroBitCount else {
            throw AuditTrailError.invalid("frontier", "must hold one hash per set bit of the tree size")
        }
        self.size = size
        self.frontier = frontier
    }

    /// Loads the right edge of the tree of `size` leaves from a hash source (popcount(size) reads in
    /// one ``AuditMerkleHashSource/hashes(_:)`` call).
    public init(size: Int64, source: some AuditMerkleHashSource) async throws {
        guard size >= 0 else { throw AuditTrailError.invalid("tree_size", "must not be negative") }
        let hashes = try await source.hashes(Self.frontierNodes(size: size))
        try self.init(size: size, frontier: hashes)
    }

    /// The perfect subtrees whose hashes make up the right edge of a tree of `size` leaves.
    public static func frontierNodes(size: Int64) -> [AuditMerkleNodeID] {
        AuditMerkle.perfectSubtrees(from: 0, to: size)
    }

    /// The root of the tree so far.
    public var root: AuditHash { AuditMerkle.fold(frontier) }

    /// Appends one leaf and returns the subtree hashes completed by it: the leaf itself (level 0)
    /// and every parent it completes, lowest first.
    @discardableResult
    public mutating func append(leafHash: AuditHash) -> [AuditMerkleNode] {
        var nodes = [AuditMerkleNode(id: AuditMerkleNodeID(level: 0, index: size), hash: leafHash)]
        var hash = leafHash
        var index = size
        var level = 0
        while index & 1 == 1 {
            hash = AuditMerkle.nodeHash(frontier.removeLast(), hash)
            index >>= 1
            level += 1
            nodes.append(AuditMerkleNode(id: AuditMerkleNodeID(level: level, index: index), hash: hash))
        }
        frontier.append(hash)
        size += 1
        return nodes
    }

    /// The subtree hashes that appending leaf `index` completes, reading only the left siblings it
    /// needs (one per trailing one bit of `index`) from `source` — for stores that keep no builder.
    public static func nodes(
        appendingLeafAt index: Int64,
        leafHash: AuditHash,
        source: some AuditMerkleHashSource
    ) async throws -> [AuditMerkleNode] {
        guard index >= 0 else { throw AuditTrailError.invalid("index", "must not be negative") }
        var siblings: [AuditMerkleNodeID] = []
        var position = index
        var level = 0
        while position & 1 == 1 {
            siblings.append(AuditMerkleNodeID(level: level, index: position - 1))
            position >>= 1
            level += 1
        }
        let left = try await source.hashes(siblings)
        var nodes = [AuditMerkleNode(id: AuditMerkleNodeID(level: 0, index: index), hash: leafHash)]
        var hash = leafHash
        position = index
        for (offset, sibling) in left.enumerated() {
            hash = AuditMerkle.nodeHash(sibling, hash)
            position >>= 1
            nodes.append(AuditMerkleNode(id: AuditMerkleNodeID(level: offset + 1, index: position), hash: hash))
        }
        return nodes
    }
}
