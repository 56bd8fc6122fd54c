/// The newest position of the chain: a seq and its chain hash.
///
/// ```swift
/// let head = try await store.head()
/// print("seq \(head.seq), hash \(head.hash)")    // the hash prints as lower-case hex
/// ```
public struct AuditChainHead: Sendable, Hashable {
    /// 0 for an empty log.
    public var seq: Int64
    /// The chain hash of event ``seq`` (the chain start's hash for an empty log).
    public var hash: AuditHash

    public init(seq: Int64, hash: AuditHash) {
        self.seq = seq
        self.hash = hash
    }
}
