/// A perfect subtree and its hash, as the builder hands them to a store to write and as a store
/// reads them back.
///
/// ```swift
/// var builder = AuditMerkleTreeBuilder()
/// for node in builder.append(leafHash: AuditMerkle.leafHash(canonical)) {
///     print(node.id, node.hash)       // "(0, 0) 5f3c…"
/// }
/// ```
public struct AuditMerkleNode: Sendable, Hashable {
    /// Which subtree.
    public var id: AuditMerkleNodeID
    /// The subtree's RFC 6962 hash.
    public var hash: AuditHash

    public init(id: AuditMerkleNodeID, hash: AuditHash) {
        self.id = id
        self.hash = hash
    }
}

extension Sequence<AuditMerkleNode> {
    /// The hashes of `ids`, in that order, from these stored nodes (store-implementation API).
    /// - Throws: `.notFound` naming the first id no node has.
    package func hashes(of ids: [AuditMerkleNodeID]) throws(AuditTrailError) -> [AuditHash] {
        var found: [AuditMerkleNodeID: AuditHash] = [:]
        for node in self { found[node.id] = node.hash }
        var out: [AuditHash] = []
        out.reserveCapacity(ids.count)
        for id in ids {
            guard let hash = found[id] else {
                throw AuditTrailError(.notFound, "no stored Merkle subtree at level \(id.level), index \(id.index)")
            }
            out.append(hash)
        }
        return out
    }
}
