/// The in-process sink: the one ``AuditEventValidator`` in front of an ``AuditWriter``.
///
/// ``enqueue(_:)`` is the writer's fire-and-forget ``AuditWriter/record(_:)``; ``write(_:)``
/// returns after the group commit that holds the event.
///
/// ```swift
/// let sink = AuditWriterSink(writer: writer, validator: AuditEventValidator())
/// try await sink.write(AuditEventInput(action: "config.updated"))
/// ```
public struct AuditWriterSink: AuditEventSink {
    public let writer: AuditWriter
    public let validator: AuditEventValidator
    /// Who the events are from (their `ingested_by`). Default ``AuditProducer/application``.
    public let producer: AuditProducer

    public init(writer: AuditWriter, validator: AuditEventValidator = AuditEventValidator(), producer: AuditProducer = .application) {
        self.writer = writer
        self.validator = validator
        self.producer = producer
    }

    public func enqueue(_ input: AuditEventInput) throws(AuditTrailError) {
        try writer.record(validator.prepare(input, producer: producer))
    }

    public func write(_ input: AuditEventInput) async throws {
        _ = try await writer.append(validator.prepare(input, producer: producer))
    }
}
