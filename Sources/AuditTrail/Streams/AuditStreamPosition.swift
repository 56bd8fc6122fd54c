/// Where a stream stands: what it delivered, how far it looked, and whether it is failing. Kept
/// in the store (``AuditStreamCatalog``) after each acknowledged batch and each failure, so a
/// restart, a crash or another server instance goes on from here.
public struct AuditStreamPosition: Sendable, Hashable {
    /// Every matching event up to this seq was acknowledged by the destination; the next batch
    /// starts after it.
    public var deliveredThrough: Int64
    /// The stream looked at the log up to this seq (≥ ``deliveredThrough``; a filtered stream
    /// looks past events that do not match).
    public var scannedThrough: Int64
    /// Batches and events acknowledged since the stream was created.
    public var batches: Int64 = 0
    public var events: Int64 = 0
    /// When the last batch was acknowledged.
    public var deliveredAt: AuditTime?
    /// Since when deliveries fail (nil: the last attempt succeeded).
    public var failingSince: AuditTime?
    /// Failed attempts since the last success.
    public var failures: Int64 = 0
    /// The last failure's message.
    public var lastError: String?
    /// Whether the current failure was recorded as a `security.alert`.
    public var alerted = false

    /// A stream that delivered nothing yet and starts after `seq`.
    public init(startingAfter seq: Int64) {
        deliveredThrough = seq
        scannedThrough = seq
    }

    /// The stored form (canonical JSON).
    var json: JSONValue {
        .object([
            "delivered_through": .int(deliveredThrough), "scanned_through": .int(scannedThrough),
            "batches": .int(batches), "events": .int(events),
            "delivered_at": deliveredAt.map { .int($0.milliseconds) } ?? .null,
            "failing_since": failingSince.map { .int($0.milliseconds) } ?? .null,
            "failures": .int(failures), "last_error": lastError.map(JSONValue.string) ?? .null, "alerted": .bool(alerted),
        ])
    }

    /// Reads the stored form; nil when it is not one.
    init?(json value: JSONValue) {
        guard let object = value.objectValue, let delivered = object["delivered_through"]?.int64Value else { return nil }
        deliveredThrough = delivered
        scannedThrough = max(delivered, object["scanned_through"]?.int64Value ?? delivered)
        batches = object["batches"]?.int64Value ?? 0
        events = object["events"]?.int64Value ?? 0
        deliveredAt = object["delivered_at"]?.int64Value.map(AuditTime.init(milliseconds:))
        failingSince = object["failing_since"]?.int64Value.map(AuditTime.init(milliseconds:))
        failures = object["failures"]?.int64Value ?? 0
        lastError = object["last_error"]?.stringValue
        if case .bool(let flag)? = object["alerted"] { alerted = flag }
    }
}

extension AuditStreamPosition {
    /// What `GET /v1/streams` tells of a stream standing here while the log's head is `headSeq`:
    /// `state` (`failing`, `caught_up` or `behind`), the positions, the lag in events, the counts
    /// and the last failure.
    public func statusJSON(headSeq: Int64) -> JSONValue {
        let state = failingSince != nil ? "failing" : scannedThrough >= headSeq ? "caught_up" : "behind"
        return .object([
            "state": .string(state), "delivered_through": .int(deliveredThrough), "scanned_through": .int(scannedThrough),
            "lag_events": .int(max(0, headSeq - scannedThrough)), "batches": .int(batches), "events": .int(events),
            "delivered_at": deliveredAt.map { .string($0.rfc3339) } ?? .null,
            "failing_since": failingSince.map { .string($0.rfc3339) } ?? .null, "failures": .int(failures),
            "last_error": lastError.map(JSONValue.string) ?? .null, "alerted": .bool(alerted),
        ])
    }
}
