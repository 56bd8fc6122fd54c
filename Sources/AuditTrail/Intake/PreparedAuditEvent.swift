import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A validated event with its canonical encoding and index values prepared, waiting for a `seq`.
///
/// Immutable and shared by reference: the writer's queue, its groups and the store's sealing pass
/// it around without copying the event.
public final class PreparedAuditEvent: Sendable {
    public let event: AuditEvent
    /// The canonical encoding without `seq` and `received_at` (for the sealer).
    package let parts: AuditEventCanonicalParts
    /// Whether the producer chose the id (only such events are checked for idempotent re-sends).
    public let clientID: Bool
    /// The values a store's index columns hold.
    package let indexValues: AuditEventIndexValues

    package init(event: AuditEvent, parts: AuditEventCanonicalParts, clientID: Bool) {
        self.event = event
        self.parts = parts
        self.clientID = clientID
        self.indexValues = AuditEventIndexValues(event)
    }

    /// Derives the canonical parts and the index values, encoding the metadata once for both.
    public init(event: AuditEvent, clientID: Bool) {
        let metadataJSON = event.metadata.map(CanonicalJSON.encode)
        self.event = event
        self.parts = AuditEventCanonicalParts(event, metadataJSON: metadataJSON)
        self.clientID = clientID
        self.indexValues = AuditEventIndexValues(event, metadataJSON: metadataJSON)
    }
}
