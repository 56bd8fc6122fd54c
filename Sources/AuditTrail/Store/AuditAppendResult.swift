/// What the caller of an append is told, after commit.
///
/// ```swift
/// let results = try await store.append([prepared])
/// print(results[0].seq, results[0].hash)    // 42 5f3c… (the chain hash, lower-case hex)
/// ```
public struct AuditAppendResult: Sendable, Hashable {
    public var id: String
    public var seq: Int64
    /// The event's chain hash.
    public var hash: AuditHash
    public var receivedAt: AuditTime
    /// False when the id was stored before (an idempotent re-send).
    public var created: Bool
    public init(id: String, seq: Int64, hash: AuditHash, receivedAt: AuditTime, created: Bool) {
        self.id = id
        self.seq = seq
        self.hash = hash
        self.receivedAt = receivedAt
        self.created = created
    }
}
