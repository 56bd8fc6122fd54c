/// Who hands an event to the log: what the event's `ingested_by` says, and whether it may write
/// the actions the log reserves for its own records.
///
/// An API key is a producer like any other app's code, so it may not write the reserved actions
/// (`audit.*`, `security.alert`): nothing a key posts can pass for what the server writes. The
/// server, the CLI and an app that embeds the log hold the store itself, so they may.
///
/// ```swift
/// let prepared = try validator.prepare(input, producer: .key(principal.keyID))
/// prepared.event.ingestedBy   // the key's id, in the canonical bytes
/// ```
public struct AuditProducer: Sendable, Hashable {
    /// The event's `ingested_by`.
    public let name: String
    /// Whether the reserved actions are allowed.
    public let mayWriteReserved: Bool

    private init(name: String, mayWriteReserved: Bool) {
        self.name = name
        self.mayWriteReserved = mayWriteReserved
    }

    /// An API key (its id): the reserved actions are refused.
    public static func key(_ id: String) -> AuditProducer { AuditProducer(name: id, mayWriteReserved: false) }

    /// The server's own records (reads, exports, key changes, retention): `server`.
    public static let server = AuditProducer(name: "server", mayWriteReserved: true)

    /// The CLI working on a data directory, as `cli:<user>`.
    public static func cli(user: String) -> AuditProducer { AuditProducer(name: "cli:" + user, mayWriteReserved: true) }

    /// An app that embeds the log in its own process: `app`.
    public static let application = AuditProducer(name: "app", mayWriteReserved: true)

    /// An app that embeds the log, named: `app:<name>`.
    public static func application(_ name: String) -> AuditProducer { AuditProducer(name: "app:" + name, mayWriteReserved: true) }

    /// Whether `action` is one the log writes itself: `audit.*` and `security.alert` (and its
    /// qualifiers).
    public static func isReserved(_ action: String) -> Bool {
        action.hasPrefix("audit.") || action == "security.alert" || action.hasPrefix("security.alert.")
    }
}
