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
