/// Where an embedded producer's events go: the in-process writer, the client's durable spool, or a
/// daily JSONL log.
///
/// The middleware and ``AuditLogger`` talk only to this protocol, so an app switches from an
/// embedded SQLite log to a central server by handing them a different sink. Every conformer runs
/// the event through the one ``AuditEventValidator`` before it is queued, so an invalid event is
/// refused at the call site with the field and the rule.
///
/// ```swift
/// let sink: any AuditEventSink = AuditWriterSink(writer: writer)
/// try sink.enqueue(AuditEventInput(action: "auth.login", actor: .init(id: "u-7")))   // fail-open
/// try await sink.write(AuditEventInput(action: "data.export"))                   // durable
/// ```
public protocol AuditEventSink: Sendable {
    /// Validates the event and queues it without waiting: the fail-open path, which costs no more
    /// than a validation and an enqueue. Throws only when the event is invalid or cannot be queued
    /// (queue full, shutting down); a later failure to store it is the sink's to handle (retry,
    /// spill, log), never the caller's.
    func enqueue(_ input: AuditEventInput) throws(AuditTrailError)

    /// Validates the event and returns once it is durable (committed to the store, or fsynced to a
    /// spool or fallback file that will deliver it): the fail-closed path.
    func write(_ input: AuditEventInput) async throws
}
