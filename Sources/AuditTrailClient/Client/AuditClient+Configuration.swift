import AuditTrail

extension AuditClient {
    /// Where to send, how to batch and retry, where to spool, and which key signs the log.
    ///
    /// ```swift
    /// var configuration = AuditClient.Configuration(server: "https://audit.internal:8443", apiKey: key,
    ///                                               spoolDirectory: "/var/spool/myapp-audit")
    /// configuration.trust = .caFile("/etc/audittrail/ca.pem")
    /// configuration.checkpointPublicKey = try AuditSignerPublicKey(text: publicKeyText)
    /// ```
    public struct Configuration: Sendable {
        /// The server's base URL, `http://host[:port]` or `https://host[:port]`.
        public var server: String
        /// A writer (or admin) key.
        public var apiKey: String
        /// Which CAs an `https` server's certificate may chain to. Default the system's roots.
        public var trust: AuditServerTrust = .systemRoots
        /// The deadline of one batch request. Default 30 s.
        public var requestTimeout: Duration = .seconds(30)
        /// The spool directory: one client process at a time.
        public var spoolDirectory: String
        /// Most bytes of undelivered events; past that `enqueue`/`write` throw `.overloaded`.
        /// Default 256 MiB.
        public var spoolMaxBytes: Int64 = 256 << 20
        /// The size a spool segment file is rotated at. Default 8 MiB.
        public var spoolSegmentBytes: Int64 = 8 << 20
        /// Most events in one `POST /v1/events/batch`. Default 500 (the server takes up to 10,000).
        public var batchSize = 500
        /// Batches on the wire at once. They form one ordered stream (`Audit-Batch-Stream` headers):
        /// the server stores them in the spool's order whatever order they arrive in. 1 sends one
        /// batch at a time without the headers — for several servers behind a load balancer that
        /// does not keep a client on one of them (the stream lives in one server's memory).
        /// Default 4.
        public var maxBatchesInFlight = 4
        /// How long a partial batch waits for more events before it is sent, and the longest an
        /// enqueued event waits for its fsync. Default 200 ms.
        public var flushInterval: Duration = .milliseconds(200)
        /// The first retry's backoff ceiling; doubled each attempt, with full jitter (a uniformly
        /// random wait from 0 to the ceiling). Default 100 ms.
        public var retryBackoffBase: Duration = .milliseconds(100)
        /// The largest backoff ceiling. Default 10 s.
        public var retryBackoffMax: Duration = .seconds(10)
        /// The key the server's checkpoints must be signed by; nil checks consistency only.
        public var checkpointPublicKey: AuditSignerPublicKey?
        /// How often the newest checkpoint is fetched and proven to extend the one seen before:
        /// after a delivery at most this often, and at least this often while idle. nil: never
        /// (``AuditClient/verifyLog()`` still checks on demand). Default 10 s.
        public var consistencyCheckInterval: Duration? = .seconds(10)
        /// The validator's settings (limits, redaction, IP anonymisation), applied before spooling.
        public var validator = AuditEventValidator.Configuration()

        /// A configuration with the defaults above.
        public init(server: String, apiKey: String, spoolDirectory: String) {
            self.server = server
            self.apiKey = apiKey
            self.spoolDirectory = spoolDirectory
        }

        /// The connection settings these imply.
        var connection: AuditServerConnection.Configuration {
            var connection = AuditServerConnection.Configuration(server: server, apiKey: apiKey)
            connection.trust = trust
            connection.requestTimeout = requestTimeout
            return connection
        }

        /// The spool settings these imply.
        var spool: AuditClientSpool.Configuration {
            var spool = AuditClientSpool.Configuration(directory: spoolDirectory)
            spool.maxBytes = spoolMaxBytes
            spool.segmentBytes = spoolSegmentBytes
            return spool
        }
    }
}
