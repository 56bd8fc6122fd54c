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
    /// The writer, sink, checkpointer, signer and retention over ``store``.
    public let parts: AuditLogServices
    /// The batching writer in front of the store.
    public var writer: AuditWriter { parts.writer }
    /// Where producers send events: the validator in front of ``writer``.
    public var sink: AuditWriterSink { parts.sink }
    /// The checkpointer (already wired to the writer).
    public var checkpointer: AuditCheckpointer { parts.checkpointer }
    /// The checkpoint signer: its public key verifies the log and its exports.
    public var signer: AuditSigner { parts.signer }
    /// The retention service, when configured.
    public var retention: AuditRetention? { parts.retention }
    /// The settings it was opened with.
    public let configuration: Configuration
    private let logger: Logger

    private init(configuration: Configuration, store: SQLiteAuditStore, parts: AuditLogServices, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.parts = parts
        self.logger = logger
    }

    /// Opens the store (creating the data directory), loads or makes the signing key and builds
    /// the parts (``AuditLogServices``). Nothing runs until ``run()``.
    /// - Parameter observers: told of every commit, besides the checkpointer (metrics).
    public static func open(configuration: Configuration, logger: Logger, observers: [AuditWriter.Observer] = []) async throws -> AuditTrailSystem {
        var storeConfiguration = configuration.store
        storeConfiguration.directory = configuration.dataDirectory
        let store = try await SQLiteAuditStore.open(configuration: storeConfiguration, logger: logger)
        do {
            let parts = try await AuditLogServices.assemble(
                store: store,
                configuration: configuration.services,
                observers: observers,
                logger: logger
            )
            return AuditTrailSystem(configuration: configuration, store: store, parts: parts, logger: logger)
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// Runs the store's maintenance, the checkpointer, the writer and retention until graceful
    /// shutdown (or cancellation), then stops them in reverse order and closes the store.
    public func run() async throws {
        try await parts.service(after: SQLiteStoreService(store: store, logger: logger), logger: logger).run()
    }
}
