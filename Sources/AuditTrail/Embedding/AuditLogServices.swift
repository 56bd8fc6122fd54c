import Logging
import ServiceLifecycle

/// What runs over any store to make it a live, provable log: the checkpoint signer and
/// checkpointer, the batching writer, the sink in front of it and, when configured, retention.
///
/// ``AuditTrailSystem`` (SQLite, embedded) and the server (SQLite or PostgreSQL) assemble these
/// parts here, so every store gets the same wiring and the same shutdown order.
///
/// ```swift
/// let parts = try await AuditLogServices.assemble(store: store, configuration: settings, logger: logger)
/// let group = ServiceGroup(services: [parts.service(after: storeService, logger: logger), app], logger: logger)
/// ```
public struct AuditLogServices: Sendable {
    /// The settings of the parts (everything but the store's own).
    public struct Configuration: Sendable {
        /// The writer's settings (its fallback directory included).
        public var writer = AuditWriter.Configuration()
        /// When and how often checkpoints are signed.
        public var checkpoint = AuditCheckpointer.Configuration()
        /// The checkpoints' origin line. Default (nil): `audittrail/<log id>`.
        public var origin: String?
        /// The signing key file.
        public var signingKeyFile: String
        /// Whether a missing ``signingKeyFile`` is made (mode 0600) rather than refused.
        public var createsSigningKey: Bool
        /// Background retention; nil: events are kept forever.
        public var retention: AuditRetention.Configuration?
        /// The validator of ``AuditLogServices/sink`` and of retention's own events.
        public var validator = AuditEventValidator()
        /// What the log's own events and the sink's say wrote them (`ingested_by`).
        public var producer: AuditProducer = .application

        /// Settings signing with the key in `signingKeyFile`, made on first start when `createsSigningKey`.
        public init(signingKeyFile: String, createsSigningKey: Bool) {
            self.signingKeyFile = signingKeyFile
            self.createsSigningKey = createsSigningKey
        }
    }

    /// The batching writer in front of the store.
    public let writer: AuditWriter
    /// Where producers send events: the validator in front of ``writer``.
    public let sink: AuditWriterSink
    /// The checkpointer (already told of the writer's commits).
    public let checkpointer: AuditCheckpointer
    /// The checkpoint signer: its public key verifies the log and its exports.
    public let signer: AuditSigner
    /// The retention service, when configured.
    public let retention: AuditRetention?
    /// Told of every commit of ``writer``: wakes what follows the log (live tails, streams).
    public let commits: AuditCommitSignal

    /// Loads (or makes) the signing key, names the origin after the store's log id unless one is
    /// configured, and builds the parts over `store`; nothing runs yet. A configured retention
    /// window is stored only while none is.
    /// - Parameters:
    ///   - observers: told of every commit, besides the checkpointer (metrics).
    ///   - leases: when several processes serve the log, where they agree which one signs
    ///     checkpoints and which one runs retention (``AuditLeaseStore``).
    public static func assemble(
        store: any AuditStore & AuditRetentionStore,
        configuration: Configuration,
        observers: [AuditWriter.Observer] = [],
        leases: (any AuditLeaseStore)? = nil,
        logger: Logger
    ) async throws -> AuditLogServices {
        let defaultOrigin = "audittrail/" + (try await store.logID())
        let origin = configuration.origin ?? defaultOrigin
        // A key name has no spaces or '+'; an origin may.
        let name = origin.contains(where: { $0 == "+" || $0.isWhitespace }) ? defaultOrigin : origin
        let signer =
            configuration.createsSigningKey
            ? try AuditSigner.loadOrCreate(at: configuration.signingKeyFile, name: name)
            : try AuditSigner.load(from: configuration.signingKeyFile)
        let checkpointer = try AuditCheckpointer(
            store: store,
            signer: signer,
            origin: origin,
            configuration: configuration.checkpoint,
            leases: leases,
            logger: logger
        )
        logger.info(
            "audit checkpoints signed",
            metadata: ["audit.checkpoint.origin": "\(origin)", "audit.checkpoint.key": "\(signer.publicKey.text)"]
        )
        let commits = AuditCommitSignal()
        let writer = AuditWriter(
            store: store,
            configuration: configuration.writer,
            logger: logger,
            observers: observers + [checkpointer.writerObserver, commits.observer]
        )
        var retention: AuditRetention?
        if let settings = configuration.retention {
            try await store.setRetentionWindow(settings.initialWindow, replacing: false)
            retention = try AuditRetention(
                store: store,
                writer: writer,
                validator: configuration.validator,
                producer: configuration.producer,
                configuration: settings,
                leases: leases,
                logger: logger
            )
        }
        return AuditLogServices(
            writer: writer,
            sink: AuditWriterSink(writer: writer, validator: configuration.validator, producer: configuration.producer),
            checkpointer: checkpointer,
            signer: signer,
            retention: retention,
            commits: commits
        )
    }

    /// The services to run, in start order after `store` (the store's upkeep, which closes it at
    /// the end): a group shuts them down in reverse — retention between batches, then the writer
    /// commits what it accepted, then the checkpointer signs the final tree, then the store.
    public func services(after store: any Service) -> [any Service] {
        var services: [any Service] = [store, checkpointer, writer]
        if let retention { services.append(retention) }
        return services
    }

    /// ``services(after:)`` as one service: a nested group, which shuts down gracefully when the
    /// app's group does, in that reverse order.
    public func service(after store: any Service, logger: Logger) -> some Service {
        Nested(services: services(after: store), logger: logger)
    }

    private struct Nested: Service {
        let services: [any Service]
        let logger: Logger

        func run() async throws {
            try await ServiceGroup(configuration: .init(services: services, logger: logger)).run()
        }
    }
}
