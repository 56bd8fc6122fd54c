extension PreparedAuditEvent {
    /// Gives the event its place in the log: assembles the canonical bytes and chains the hash.
    public func sealed(seq: Int64, receivedAt: AuditTime, previousHash: [UInt8]) -> SealedAuditEvent {
        var event = self.event
        event.seq = seq
        event.receivedAt = receivedAt
        let canonical = parts.assemble(seq: seq, receivedAt: receivedAt)
        let hash = AuditChain.next(previous: previousHash, canonical: canonical)
        return SealedAuditEvent(event: event, canonical: canonical, hash: hash)
    }
}

/// An event with its seq, canonical bytes and chain hash, ready to be written in a transaction.
public struct SealedAuditEvent: Sendable {
    public var event: AuditEvent
    public var canonical: [UInt8]
    public var hash: [UInt8]
}
