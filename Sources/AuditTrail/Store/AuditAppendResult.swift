/// What the caller of an append is told, after commit.
///
/// ```swift
/// let results = try await store.append([prepared])
/// print(results[0].seq, results[0].hash)    // 42 5f3c… (the chain hash, lower-case hex)
/// ```
public struct AuditAppendResult: Sendable, Hashable {
    /// The event's id (client-chosen or assigned).
    public var id: String
    /// The event's seq.
    public var seq: Int64
    /// The event's chain hash.
    public var hash: AuditHash
    /// The event's receipt time.
    public var receivedAt: AuditTime
    /// False when the id was stored before (an idempotent re-send).
    public var created: Bool
    /// True when the store was down and the ``AuditWriter`` wrote the event to its fallback log
    /// instead (fsynced: durable, and replayed into the store later, in order). Then ``seq``,
    /// ``hash`` and ``receivedAt`` are the event's place in the fallback log, not in the store:
    /// the store assigns its own when the replay reaches it.
    public var spilled: Bool
    /// For a stored event looked up for the idempotency rule: its `ingested_by` (the sealer
    /// answers a re-send of its id only to the same producer).
    package var ingestedBy: String?

    /// A result; `spilled` is set only by a writer's fallback.
    public init(id: String, seq: Int64, hash: AuditHash, receivedAt: AuditTime, created: Bool, spilled: Bool = false) {
        self.id = id
        self.seq = seq
        self.hash = hash
        self.receivedAt = receivedAt
        self.created = created
        self.spilled = spilled
    }
}
