/// A perfect subtree and its hash, as the builder hands them to a store to write.
public struct AuditMerkleNode: Sendable, Hashable {
    public var id: AuditMerkleNodeID
    public var hash: [UInt8]

    public init(id: AuditMerkleNodeID, hash: [UInt8]) {
        self.id = id
        self.hash = hash
    }
}
