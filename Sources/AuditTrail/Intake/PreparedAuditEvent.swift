import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A validated event with its canonical encoding prepared, waiting for a `seq`.
///
/// Immutable and shared by reference: the writer's queue, its groups and the store's sealing pass
/// it around without copying the event.
public final class PreparedAuditEvent: Sendable {
    public let event: AuditEvent
    /// The canonical encoding without `seq` and `received_at` (for the sealer).
    package let parts: AuditEventCanonicalParts
    /// Whether the producer chose the id (only such events are checked for idempotent re-sends).
    public let clientID: Bool

    package init(event: AuditEvent, parts: AuditEventCanonicalParts, clientID: Bool) {
        self.event = event
        self.parts = parts
        self.clientID = clientID
    }

    /// Derives the canonical parts.
    public init(event: AuditEvent, clientID: Bool) {
        self.event = event
        self.parts = AuditEventCanonicalParts(event)
        self.clientID = clientID
    }
}
