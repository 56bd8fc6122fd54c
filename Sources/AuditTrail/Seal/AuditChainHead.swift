/// The newest position of the chain.
public struct AuditChainHead: Sendable, Hashable {
    /// 0 for an empty log.
    public var seq: Int64
    public var hash: [UInt8]
    public init(seq: Int64, hash: [UInt8]) {
        self.seq = seq
        self.hash = hash
    }
}
