extension AuditStoredEvent {
    /// A stored event from the JSON object a reader got from the API (`GET /v1/events`): its
    /// `seq`, `id` and `hash`, and as canonical bytes the object without `hash`, encoded again
    /// with ``CanonicalJSON`` — the canonical encoding is a function of the value, so these are
    /// the bytes the log stored (``responseJSON`` gives back the object as the server sent it).
    ///
    /// ```swift
    /// let page = try JSONParser.parse(body).objectValue?["events"]?.arrayValue ?? []
    /// let events = try page.map { try AuditStoredEvent(response: $0) }
    /// ```
    /// - Throws: ``AuditTrailError`` `.invalidInput` naming `seq`, `id` or `hash` when one is
    ///   missing or malformed.
    public init(response value: JSONValue) throws(AuditTrailError) {
        guard var object = value.objectValue else { throw AuditTrailError.invalid("event", "must be a JSON object") }
        guard let seq = object["seq"]?.int64Value, seq >= 1 else { throw AuditTrailError.invalid("seq", "must be a positive integer") }
        guard let id = object["id"]?.stringValue, !id.isEmpty else { throw AuditTrailError.invalid("id", "must be a non-empty string") }
        guard let hex = object.removeValue(forKey: "hash")?.stringValue, let hash = AuditHash(hex: hex) else {
            throw AuditTrailError.invalid("hash", "must be 64 lower-case hex digits")
        }
        self.init(seq: seq, id: id, canonical: CanonicalJSON.encode(.object(object)), hash: hash)
    }
}
