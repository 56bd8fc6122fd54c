/// A stored event as the store hands it out: the verbatim canonical bytes and the chain hash.
///
/// ```swift
/// if let stored = try await store.event(id: id) {
///     let event = try stored.decoded()
///     print(stored.seq, stored.hash, event.action)
/// }
/// ```
public struct AuditStoredEvent: Sendable, Hashable {
    public var seq: Int64
    public var id: String
    /// The canonical bytes, verbatim as stored and hashed.
    public var canonical: [UInt8]
    /// The chain hash.
    public var hash: AuditHash

    public init(seq: Int64, id: String, canonical: [UInt8], hash: AuditHash) {
        self.seq = seq
        self.id = id
        self.canonical = canonical
        self.hash = hash
    }

    /// The chain hash in lower-case hex, as JSON bodies write it.
    public var hashHex: String { hash.hex }

    /// The decoded event.
    public func decoded() throws(AuditTrailError) -> AuditEvent {
        try AuditEvent(canonical: canonical, hash: hashHex)
    }

    /// The JSON object readers get (canonical bytes plus `"hash"`).
    public var responseJSON: [UInt8] { AuditEvent.responseJSON(canonical: canonical, hash: hashHex) }
}
