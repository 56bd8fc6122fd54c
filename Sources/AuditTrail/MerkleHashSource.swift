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

/// A perfect subtree and its hash, as the builder hands them to a store to write.
public struct AuditMerkleNode: Sendable, Hashable {
    public var id: AuditMerkleNodeID
    public var hash: [UInt8]

    public init(id: AuditMerkleNodeID, hash: [UInt8]) {
        self.id = id
        self.hash = hash
    }
}

/// Anything that can answer the hash of a complete perfect subtree: a store's cached hashes, an
/// in-memory tree (``AuditMerkleMemoryTree``), a remote tile server.
///
/// Roots and proofs for *any* tree size up to what the source holds are built on top of it (see
/// `root(size:)`, `inclusionProof(index:size:)`, `consistencyProof(from:to:)`), each from
/// O(log n) subtree hashes fetched in one ``hashes(_:)`` call, so a store can answer with one
/// indexed query. This is the model of Go's `sumdb/tlog` (`TreeHash`, `ProveRecord`, `ProveTree`).
///
/// ```swift
/// struct Hashes: AuditMerkleHashSource {
///     func hash(level: Int, index: Int64) async throws -> [UInt8] { try await db.merkleHash(level, index) }
/// }
/// let root = try await Hashes().root(size: 1_000_000)
/// ```
public protocol AuditMerkleHashSource: Sendable {
    /// The hash of the complete perfect subtree of height `level` whose leaves are
    /// `index·2^level ..< (index+1)·2^level`. Throws when that subtree is not complete or not stored.
    func hash(level: Int, index: Int64) async throws -> [UInt8]

    /// The hashes of several subtrees, in the order asked. The default asks ``hash(level:index:)``
    /// once per node; a store should answer them all with one query.
    func hashes(_ ids: [AuditMerkleNodeID]) async throws -> [[UInt8]]
}

extension AuditMerkleHashSource {
    public func hashes(_ ids: [AuditMerkleNodeID]) async throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        out.reserveCapacity(ids.count)
        for id in ids { out.append(try await hash(level: id.level, index: id.index)) }
        return out
    }
}
