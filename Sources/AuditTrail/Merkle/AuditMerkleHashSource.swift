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
///     func hash(level: Int, index: Int64) async throws -> AuditHash { try await db.merkleHash(level, index) }
/// }
/// let root = try await Hashes().root(size: 1_000_000)
/// ```
public protocol AuditMerkleHashSource: Sendable {
    /// The hash of the complete perfect subtree of height `level` whose leaves are
    /// `index·2^level ..< (index+1)·2^level`. Throws when that subtree is not complete or not
    /// stored (`.notFound`), or when what is stored is not a 32-byte hash (`.tampered`).
    func hash(level: Int, index: Int64) async throws -> AuditHash

    /// The hashes of several subtrees, in the order asked. The default asks ``hash(level:index:)``
    /// once per node; a store should answer them all with one query.
    func hashes(_ ids: [AuditMerkleNodeID]) async throws -> [AuditHash]
}

extension AuditMerkleHashSource {
    public func hashes(_ ids: [AuditMerkleNodeID]) async throws -> [AuditHash] {
        var out: [AuditHash] = []
        out.reserveCapacity(ids.count)
        for id in ids { out.append(try await hash(level: id.level, index: id.index)) }
        return out
    }
}
