/// A whole Merkle tree held in memory: every complete perfect-subtree hash, level by level.
///
/// For tests, and for verifying an export file offline: append each event's canonical bytes, then
/// ask `root(size:)` or the proofs for any size (see ``AuditMerkleHashSource``). Memory is about
/// 64 bytes per leaf (two hashes), so a million events take ~64 MB; appending is O(1) amortised.
///
/// ```swift
/// var tree = AuditMerkleMemoryTree()
/// for event in events { tree.append(leaf: event.canonical) }
/// let proof = try await tree.inclusionProof(index: 41, size: tree.size)
/// ```
public struct AuditMerkleMemoryTree: AuditMerkleHashSource, Sendable {
    /// `levels[l]` holds the 32-byte hashes of the complete subtrees of height `l`, concatenated.
    private var levels: [[UInt8]] = []
    private var builder = AuditMerkleTreeBuilder()

    /// An empty tree.
    public init() {}

    /// A tree over the given leaf hashes.
    public init(leafHashes: some Sequence<AuditHash>) {
        for hash in leafHashes { append(leafHash: hash) }
    }

    /// The number of leaves.
    public var size: Int64 { builder.size }

    /// The root of the whole tree.
    public var root: AuditHash { builder.root }

    /// Appends a leaf given its data: stores `SHA-256(0x00 ‖ data)`.
    @discardableResult
    public mutating func append(leaf data: some Sequence<UInt8>) -> [AuditMerkleNode] {
        append(leafHash: AuditMerkle.leafHash(data))
    }

    /// Appends a leaf given its hash and returns the subtree hashes it completed.
    @discardableResult
    public mutating func append(leafHash: AuditHash) -> [AuditMerkleNode] {
        let nodes = builder.append(leafHash: leafHash)
        for node in nodes {
            if levels.count == node.id.level { levels.append([]) }
            node.hash.withUnsafeBytes { levels[node.id.level].append(contentsOf: $0) }
        }
        return nodes
    }

    /// The number of complete subtrees stored at `level`.
    public func count(level: Int) -> Int64 {
        level >= 0 && level < levels.count ? Int64(levels[level].count / AuditHash.byteCount) : 0
    }

    public func hash(level: Int, index: Int64) async throws -> AuditHash {
        try storedHash(level: level, index: index)
    }

    public func hashes(_ ids: [AuditMerkleNodeID]) async throws -> [AuditHash] {
        var out: [AuditHash] = []
        out.reserveCapacity(ids.count)
        for id in ids { out.append(try storedHash(level: id.level, index: id.index)) }
        return out
    }

    /// The stored hash of a complete subtree, without suspending.
    public func storedHash(level: Int, index: Int64) throws(AuditTrailError) -> AuditHash {
        guard index >= 0, index < count(level: level) else {
            throw AuditTrailError(.notFound, "no complete subtree at level \(level), index \(index)")
        }
        let start = Int(index) * AuditHash.byteCount
        return levels[level].withUnsafeBytes { AuditHash($0.baseAddress! + start) }
    }
}
