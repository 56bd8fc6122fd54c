import AuditTrail

extension AuditTrailSystem {
    /// What an embedded audit log is made of; every part has a default that works.
    ///
    /// ```swift
    /// var configuration = AuditTrailSystem.Configuration(dataDirectory: "data/audit")
    /// configuration.retention = .init()          // remove old events in the background
    /// configuration.writer.fallback = nil        // no JSONL fallback: a down store fails the callers
    /// ```
    public struct Configuration: Sendable {
        /// The data directory: the SQLite files, `signing.key` and the `fallback` directory.
        public var dataDirectory: String
        /// The SQLite store's settings (its directory is ``dataDirectory``).
        public var store: SQLiteAuditStore.Configuration
        /// The writer's settings. Default: the writer's defaults, with a JSONL fallback in
        /// `<dataDirectory>/fallback`.
        public var writer: AuditWriter.Configuration
        /// When and how often checkpoints are signed.
        public var checkpoint = AuditCheckpointer.Configuration()
        /// The checkpoints' origin line. Default: `audittrail/<log id>`.
        public var origin: String?
        /// The checkpoint signing key file, which must exist. Default (nil): `<dataDirectory>/signing.key`,
        /// made with mode 0600 on first start, named after the origin.
        public var signingKeyFile: String?
        /// Background retention; nil (the default): events are kept forever.
        public var retention: AuditRetention.Configuration?
        /// The validator of ``AuditTrailSystem/sink`` and of retention's own events.
        public var validator = AuditEventValidator()
        /// What the system's own events and ``AuditTrailSystem/sink``'s say wrote them
        /// (`ingested_by`). Default ``AuditProducer/application`` (`app`); the server uses `server`.
        public var producer: AuditProducer = .application

        /// The defaults for `dataDirectory`.
        public init(dataDirectory: String) {
            self.dataDirectory = dataDirectory
            store = SQLiteAuditStore.Configuration(directory: dataDirectory)
            writer = AuditWriter.Configuration()
            writer.fallback = .init(directory: Self.join(dataDirectory, "fallback"))
        }

        /// The parts' settings (``AuditLogServices``): the default key file is made on first start.
        public var services: AuditLogServices.Configuration {
            var services = AuditLogServices.Configuration(signingKeyFile: resolvedSigningKeyFile, createsSigningKey: signingKeyFile == nil)
            services.writer = writer
            services.checkpoint = checkpoint
            services.origin = origin
            services.retention = retention
            services.validator = validator
            services.producer = producer
            return services
        }

        /// The signing key file in use.
        public var resolvedSigningKeyFile: String { signingKeyFile ?? Self.join(dataDirectory, "signing.key") }

        static func join(_ directory: String, _ name: String) -> String {
            directory.hasSuffix("/") ? directory + name : directory + "/" + name
        }
    }
}
