/// A stored event as the store hands it out: the verbatim canonical bytes and the chain hash.
public struct AuditStoredEvent: Sendable, Hashable {
    public var seq: Int64
    public var id: String
    public var canonical: [UInt8]
    public var hash: [UInt8]

    public init(seq: Int64, id: String, canonical: [UInt8], hash: [UInt8]) {
        self.seq = seq
        self.id = id
        self.canonical = canonical
        self.hash = hash
    }

    public var hashHex: String { AuditHex.string(hash) }

    /// The decoded event.
    public func decoded() throws(AuditTrailError) -> AuditEvent {
        try AuditEvent(canonical: canonical, hash: hashHex)
    }

    /// The JSON object readers get (canonical bytes plus `"hash"`).
    public var responseJSON: [UInt8] { AuditEvent.responseJSON(canonical: canonical, hash: hashHex) }
}
