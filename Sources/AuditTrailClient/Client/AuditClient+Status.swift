extension AuditClient {
    /// What the client has done so far and what went wrong last: for health checks and metrics.
    ///
    /// ```swift
    /// let status = client.status
    /// if let problem = status.consistencyError { alert(problem) }
    /// ```
    public struct Status: Sendable, Hashable {
        /// Events the server acknowledged since this client started.
        public var delivered = 0
        /// Batch requests sent (successful or not).
        public var requests = 0
        /// Events the server refused with a 4xx, moved to a `rejected-*.jsonl` file.
        public var rejected = 0
        /// The last delivery failure (transport, 5xx, 503), cleared by the next success.
        public var lastError: String?
        /// The tree size of the newest checkpoint verified.
        public var verifiedTreeSize: Int64?
        /// The last consistency or signature failure; it stays until a check passes.
        public var consistencyError: String?

        /// An empty status.
        public init() {}
    }
}
