/// The one error type of the client module: a request that could not be made or was refused, a
/// spool that cannot be used, or a log that does not verify.
///
/// As ``AuditTrail/AuditTrailError`` does, its ``description`` names what failed and never prints
/// an event, a key or a response body beyond the server's problem `detail`.
///
/// ```swift
/// do { try await client.verifyLog() }
/// catch let error as AuditClientError where error.code == .inconsistentLog { alert(error.message) }
/// ```
public struct AuditClientError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case connectionFailed, tlsFailed, timedOut, httpStatus, invalidResponse, inconsistentLog, badSignature, spoolFailure
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The server could not be reached (refused, reset, name not resolved).
        public static let connectionFailed = Code(.connectionFailed)
        /// The TLS handshake failed: most often a certificate the configured trust does not accept.
        public static let tlsFailed = Code(.tlsFailed)
        /// The request did not complete within ``AuditServerConnection/Configuration/requestTimeout``.
        public static let timedOut = Code(.timedOut)
        /// The server answered with a status that is not 2xx; see ``AuditClientError/status``.
        public static let httpStatus = Code(.httpStatus)
        /// The server answered 2xx with a body the client cannot read.
        public static let invalidResponse = Code(.invalidResponse)
        /// The server's log is not an extension of the checkpoint the client saw before.
        public static let inconsistentLog = Code(.inconsistentLog)
        /// A checkpoint is not signed by the configured public key.
        public static let badSignature = Code(.badSignature)
        /// The spool directory cannot be opened, written or read.
        public static let spoolFailure = Code(.spoolFailure)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable summary (for an HTTP status, the server's problem `detail`).
    public var message: String
    /// The HTTP status, for ``Code/httpStatus``.
    public var status: Int?

    /// An error with a code, a message and, for ``Code/httpStatus``, the status.
    public init(_ code: Code, _ message: String, status: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String {
        "AuditClientError(\(code)\(status.map { " \($0)" } ?? "")): \(message)"
    }
}
