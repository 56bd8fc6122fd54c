/// One sealed event, ready for its row: the chain fields, the prepared event (shared, not copied:
/// its fields and index values are what a store's columns hold) and the Merkle subtree hashes its
/// leaf completed, written in the same transaction.
package struct AuditSealedEvent: Sendable {
    package var seq: Int64
    package var receivedAt: AuditTime
    /// The canonical bytes, stored verbatim.
    package var canonical: [UInt8]
    /// The RFC 6962 leaf hash of ``canonical``: the Merkle leaf, and what the chain links.
    package var leafHash: AuditHash
    /// The chain hash (format v1).
    package var hash: AuditHash
    package var prepared: PreparedAuditEvent
    /// The leaf itself (level 0) and every parent it completed, lowest first.
    package var merkleNodes: [AuditMerkleNode]

    /// The event as stored, with its seq and receipt time.
    package var event: AuditEvent {
        var event = prepared.event
        event.seq = seq
        event.receivedAt = receivedAt
        return event
    }

    /// The stored row as readers get it.
    package var stored: AuditStoredEvent { AuditStoredEvent(seq: seq, id: prepared.event.id, canonical: canonical, hash: hash) }
}
