/// What the caller of an append is told, after commit.
public struct AuditAppendResult: Sendable, Hashable {
    public var id: String
    public var seq: Int64
    public var hash: [UInt8]
    public var receivedAt: AuditTime
    /// False when the id was stored before (an idempotent re-send).
    public var created: Bool
    public init(id: String, seq: Int64, hash: [UInt8], receivedAt: AuditTime, created: Bool) {
        self.id = id
        self.seq = seq
        self.hash = hash
        self.receivedAt = receivedAt
        self.created = created
    }
}
