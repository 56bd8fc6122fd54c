/// The one error type of the AuditTrail core.
///
/// Modelled on `PSQLError`: an extensible ``Code``, a message that never carries payloads, keys or
/// actor identities, and the source location. Validation failures carry one ``FieldError`` per
/// broken rule so that every entrance (HTTP, CLI, library) can name the field.
///
/// ```swift
/// do { _ = try AuditEventInput(json: bytes) }
/// catch let error as AuditTrailError where error.code == .invalidInput {
///     print(error.fieldErrors.map(\.field))
/// }
/// ```
public struct AuditTrailError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidInput, tooLarge, notFound, overloaded, shuttingDown, storeFailure, storeFull, unavailable, tampered, conflict,
                timedOut, cancelled
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A field broke a validation rule; see ``AuditTrailError/fieldErrors``.
        public static let invalidInput = Code(.invalidInput)
        /// An event, string or batch is over a size limit.
        public static let tooLarge = Code(.tooLarge)
        /// The thing asked for does not exist.
        public static let notFound = Code(.notFound)
        /// The writer's queue is full; retry later. Nothing was stored.
        public static let overloaded = Code(.overloaded)
        /// The writer is shutting down and takes no new events.
        public static let shuttingDown = Code(.shuttingDown)
        /// The store failed; what the caller sent was not acknowledged.
        public static let storeFailure = Code(.storeFailure)
        /// The store's disk is full (SQLite's `SQLITE_FULL`, the system's `ENOSPC`): what the caller
        /// sent was not acknowledged, the store is unchanged, and the same request succeeds once
        /// space is freed (no restart needed). Retry later.
        public static let storeFull = Code(.storeFull)
        /// The store cannot be reached now (its database server is down, restarting or
        /// unreachable): nothing was stored; the same request succeeds once it is back. Retry later.
        public static let unavailable = Code(.unavailable)
        /// Stored data does not verify.
        public static let tampered = Code(.tampered)
        /// The request conflicts with stored state.
        public static let conflict = Code(.conflict)
        /// A read ran past its time budget (``AuditReadBudget``) and was interrupted.
        public static let timedOut = Code(.timedOut)
        /// A read was cancelled (its task, or the client it answers, went away) and was interrupted.
        public static let cancelled = Code(.cancelled)

        public var description: String { base.rawValue }
    }

    /// One broken rule on one field, e.g. `actor.ip`: "must be an IPv4 or IPv6 address".
    public struct FieldError: Sendable, Hashable, Codable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// The most ``fieldErrors`` one error lists. Readers stop at this many (an event with
    /// 100,000 unknown fields is refused after the first few), so an error body never grows with
    /// the input; the summary still counts every broken rule the reader saw.
    public static let maxFieldErrors = 20

    public var code: Code
    /// A human-readable summary; never includes payloads or secrets.
    public var message: String
    /// Field-level detail for ``Code/invalidInput`` and ``Code/tooLarge``.
    public var fieldErrors: [FieldError]
    /// The sequence number concerned, when there is one (tamper reports).
    public var seq: Int64?
    public var underlying: (any Error)?
    public var file: String
    public var line: Int

    public init(
        _ code: Code,
        _ message: String,
        fieldErrors: [FieldError] = [],
        seq: Int64? = nil,
        underlying: (any Error)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.fieldErrors = fieldErrors
        self.seq = seq
        self.underlying = underlying
        self.file = file
        self.line = line
    }

    /// A validation error for a single field.
    public static func invalid(_ field: String, _ rule: String, file: String = #fileID, line: Int = #line) -> AuditTrailError {
        AuditTrailError(.invalidInput, "\(field): \(rule)", fieldErrors: [.init(field: field, message: rule)], file: file, line: line)
    }

    public var description: String {
        var text = "AuditTrailError(\(code)): \(message)"
        if let seq { text += " [seq \(seq)]" }
        if let underlying { text += " (underlying: \(String(describing: type(of: underlying))))" }
        return text
    }
}
