import Logging

/// The in-process audit logger: a handle on an ``AuditEventSink`` with the context every event of
/// one request, job or user shares (actor, correlation id, tags).
///
/// Build events with the typed helpers on ``AuditEventInput`` (``AuditEventInput/login(_:method:)``,
/// ``AuditEventInput/dataUpdate(_:by:before:after:)``, ``AuditEventInput/purchase(by:amountMinorUnits:currency:product:transactionID:succeeded:)``
/// …) and hand them to ``record(_:)`` (fail-open: validated and queued, never throws) or
/// ``write(_:)`` (returns once the event is durable). Fields the event leaves empty are filled from
/// the logger's context; what the event sets wins.
///
/// There is no global logger: make one from the sink of an embedded system or of a client, or
/// bootstrap ``AuditLoggingSystem`` once and use ``init(label:)``, as with swift-log.
///
/// ```swift
/// let audit = AuditLogger(sink: system.sink).with(actor: .init(id: "u-7", name: "alice"))
/// audit.record(.login(.init(id: "u-7", name: "alice"), method: "password"))
/// try await audit.write(.configChange("billing.plan", by: nil, before: "free", after: "pro"))
/// ```
public struct AuditLogger: Sendable {
    /// Where events go.
    public var sink: any AuditEventSink
    /// The actor of events that name none.
    public var actor: AuditEvent.Actor?
    /// The correlation id of events that carry none (their `request.correlation_id`).
    public var correlationID: String?
    /// Added to every event's tags (duplicates are skipped).
    public var tags: [String]
    /// Added to every event's compliance labels (duplicates are skipped).
    public var compliance: [String]
    /// Reports events that ``record(_:)`` could not queue (swift-log; dotted metadata keys).
    public var logger: Logger

    /// A logger writing to `sink`.
    ///
    /// - Parameters:
    ///   - sink: the embedded system's or the client's sink.
    ///   - actor: the default actor.
    ///   - logger: where refused events are reported; never the events' payloads.
    public init(
        sink: any AuditEventSink,
        actor: AuditEvent.Actor? = nil,
        correlationID: String? = nil,
        tags: [String] = [],
        compliance: [String] = [],
        logger: Logger = Logger(label: "audittrail")
    ) {
        self.sink = sink
        self.actor = actor
        self.correlationID = correlationID
        self.tags = tags
        self.compliance = compliance
        self.logger = logger
    }

    /// A logger on the sink bootstrapped with ``AuditLoggingSystem/bootstrap(_:)``. Before the
    /// bootstrap, every event is refused with an error that says so (and ``record(_:)`` logs it):
    /// an audit log never drops events silently.
    public init(label: String = "audittrail") {
        self.init(sink: AuditLoggingSystem.sink, logger: Logger(label: label))
    }

    /// The same logger with another default actor.
    public func with(actor: AuditEvent.Actor?) -> AuditLogger {
        var copy = self
        copy.actor = actor
        return copy
    }

    /// The same logger with another correlation id.
    public func with(correlationID: String?) -> AuditLogger {
        var copy = self
        copy.correlationID = correlationID
        return copy
    }

    /// The event as it will be sent: `input` with the empty fields filled from this logger.
    public func contextualized(_ input: AuditEventInput) -> AuditEventInput {
        var event = input
        if event.actor == nil { event.actor = actor }
        if let correlationID, event.request?.correlationID == nil {
            var request = event.request ?? AuditEvent.Request()
            request.correlationID = correlationID
            event.request = request
        }
        for tag in tags where !event.tags.contains(tag) { event.tags.append(tag) }
        for label in compliance where !event.compliance.contains(label) { event.compliance.append(label) }
        return event
    }

    /// Validates and queues the event without waiting (fail-open). Never throws: an event that is
    /// invalid or cannot be queued is reported on ``logger`` at error level with the reason and
    /// the fields, and `false` is returned.
    @discardableResult
    public func record(_ input: AuditEventInput) -> Bool {
        do {
            try sink.enqueue(contextualized(input))
            return true
        } catch {
            logger.error(
                "audit event refused",
                metadata: [
                    "audit.event.action": "\(input.action)", "audit.error.code": "\(error.code)",
                    "audit.error": "\(error.message)",
                    "audit.error.fields": "\(error.fieldErrors.map(\.field).joined(separator: ","))",
                ]
            )
            return false
        }
    }

    /// Validates the event and returns once it is durable (fail-closed): stored, or fsynced to a
    /// spool or fallback file that will deliver it. Throws the validation or store error.
    public func write(_ input: AuditEventInput) async throws {
        try await sink.write(contextualized(input))
    }
}
