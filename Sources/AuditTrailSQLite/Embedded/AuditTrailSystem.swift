import AuditTrail
import Logging
import ServiceLifecycle

/// The whole audit log for an app that embeds it in-process: the SQLite store in a data
/// directory, the checkpoint signer and checkpointer, the batching writer (with its JSONL fallback
/// in `<data dir>/fallback`) and, when configured, retention — run as one `Service` in the app's
/// `ServiceGroup`.
///
/// Produce through ``sink`` (the middleware and ``AuditEventSink`` users), read through ``store``.
/// On graceful shutdown the retention loop stops, the writer commits everything it accepted, the
/// checkpointer signs the final tree, and the store closes, in that order; ``run()`` returns after.
///
/// ```swift
/// let audit = try await AuditTrailSystem.open(configuration: .init(dataDirectory: "data/audit"), logger: logger)
/// let group = ServiceGroup(services: [audit, app], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await audit.sink.write(AuditEventInput(action: "config.updated"))
/// try await group.run()
/// ```
public final class AuditTrailSystem: Service, Sendable {
    /// The store, for reads (queries, stats, verification, proofs).
    public let store: SQLiteAuditStore
    /// The batching writer in front of the store.
    public let writer: AuditWriter
    /// Where producers send events: the validator in front of ``writer``.
    public let sink: AuditWriterSink
    /// The checkpointer (already wired to the writer).
    public let checkpointer: AuditCheckpointer
    /// The checkpoint signer: its public key verifies the log and its exports.
    public let signer: AuditSigner
    /// The retention service, when configured.
    public let retention: AuditRetention?
    /// The settings it was opened with.
    public let configuration: Configuration
    private let logger: Logger

    private init(
        configuration: Configuration,
        store: SQLiteAuditStore,
        writer: AuditWriter,
        checkpointer: AuditCheckpointer,
        signer: AuditSigner,
        retention: AuditRetention?,
        logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.writer = writer
        self.sink = AuditWriterSink(writer: writer, validator: configuration.validator, producer: configuration.producer)
        self.checkpointer = checkpointer
        self.signer = signer
        self.retention = retention
        self.logger = logger
    }

    /// Opens the store (creating the data directory), loads or makes the signing key and builds
    /// the parts. Nothing runs until ``run()``.
    /// - Parameter observers: told of every commit, besides the checkpointer (metrics).
    public static func open(configuration: Configuration, logger: Logger, observers: [AuditWriter.Observer] = []) async throws -> AuditTrailSystem {
        var storeConfiguration = configuration.store
        storeConfiguration.directory = configuration.dataDirectory
        let store = try await SQLiteAuditStore.open(configuration: storeConfiguration, logger: logger)
        do {
            let defaultOrigin = "audittrail/" + (try await store.logID())
            let origin = configuration.origin ?? defaultOrigin
            // A key name has no spaces or '+'; an origin may.
            let name = origin.contains(where: { $0 == "+" || $0.isWhitespace }) ? defaultOrigin : origin
            // A configured key file must exist; the default one is made on first start.
            let signer =
                try configuration.signingKeyFile.map { try AuditSigner.load(from: $0) }
                ?? AuditSigner.loadOrCreate(at: configuration.resolvedSigningKeyFile, name: name)
            let checkpointer = try AuditCheckpointer(
                store: store,
                signer: signer,
                origin: origin,
                configuration: configuration.checkpoint,
                logger: logger
            )
            logger.info(
                "audit checkpoints signed",
                metadata: ["audit.checkpoint.origin": "\(origin)", "audit.checkpoint.key": "\(signer.publicKey.text)"]
            )
            let writer = AuditWriter(
                store: store,
                configuration: configuration.writer,
                logger: logger,
                observers: observers + [checkpointer.writerObserver]
            )
            var retention: AuditRetention?
            if let settings = configuration.retention {
                // The configured window applies only while none is stored.
                try await store.setRetentionWindow(settings.initialWindow, replacing: false)
                retention = try AuditRetention(
                    store: store,
                    writer: writer,
                    validator: configuration.validator,
                    producer: configuration.producer,
                    configuration: settings,
                    logger: logger
                )
            }
            return AuditTrailSystem(
                configuration: configuration,
                store: store,
                writer: writer,
                checkpointer: checkpointer,
                signer: signer,
                retention: retention,
                logger: logger
            )
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// Runs the store's maintenance, the checkpointer, the writer and retention until graceful
    /// shutdown (or cancellation), then stops them in reverse order and closes the store.
    public func run() async throws {
        var services: [any Service] = [SQLiteStoreService(store: store, logger: logger), checkpointer, writer]
        if let retention { services.append(retention) }
        // A nested group: it shuts down gracefully when the app's group does, in reverse order.
        try await ServiceGroup(configuration: .init(services: services, logger: logger)).run()
    }
}
