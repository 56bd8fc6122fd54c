import AuditTrail
import AuditTrailSQLite
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the whole service: the SQLite store, the batching writer and the HTTP application, all
/// in one `ServiceGroup`-ready `Application`.
///
/// The application's services are the ``AuditTrailSystem`` (the store's maintenance loop, the
/// ``AuditCheckpointer``, the ``AuditWriter`` and the ``AuditRetention`` service, in a nested
/// group) and the HTTP server. On SIGTERM the server stops first, then retention (between
/// batches), then the writer commits everything it had queued, then the checkpointer signs the
/// final tree, then the store closes.
///
/// Once the server listens, the bound address is logged, written to
/// ``AuditServerConfiguration/portFile`` when one is set, and then handed to `onListening` (with
/// whether an admin key still has to be created): with port 0 that is how the picked port is
/// learned.
///
/// ```swift
/// let app = try await buildAuditApplication(configuration: .init(), logger: Logger(label: "audittrail")) { started in
///     print("listening on \(started.address.url)")
/// }
/// try await app.runService()
/// ```
/// - Parameters:
///   - configuration: the settings.
///   - logger: the logger of the server and its services.
///   - onListening: called once the server listens, with the address it is bound to and whether
///     an admin key still has to be created.
public func buildAuditApplication(
    configuration: AuditServerConfiguration,
    logger: Logger,
    onListening: @escaping @Sendable (AuditServerStarted) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    try await AuditServer.make(configuration: configuration, logger: logger, onListening: onListening).application
}

/// The assembled server, for tests and embedding: the application and the parts behind it.
struct AuditServer: Sendable {
    let application: Application<RouterResponder<AuditRequestContext>>
    let api: AuditAPI
    let store: SQLiteAuditStore
    let routeTable: AuditRouteTable
    let checkpointer: AuditCheckpointer

    static func make(
        configuration: AuditServerConfiguration,
        logger baseLogger: Logger,
        onListening: @escaping @Sendable (AuditServerStarted) async -> Void = { _ in }
    ) async throws -> AuditServer {
        var logger = baseLogger
        logger.logLevel = configuration.logLevel
        let metrics = AuditServerMetrics()
        let system = try await AuditTrailSystem.open(
            configuration: systemConfiguration(configuration),
            logger: logger,
            observers: [metrics.writerObserver]
        )
        do {
            return try await make(configuration: configuration, system: system, metrics: metrics, logger: logger, onListening: onListening)
        } catch {
            try? await system.store.close()
            throw error
        }
    }

    /// The embedded system the server runs: the store, signer, checkpointer, writer (no JSONL
    /// fallback: a spilled event has no store seq to answer a POST with) and retention.
    ///
    /// The signing key is ``AuditServerConfiguration/signingKeyFile`` when set (it must exist),
    /// otherwise `signing.key` in the data directory, generated with mode 0600 on first start. The
    /// origin is ``AuditServerConfiguration/logOrigin`` or `audittrail/<log id>`.
    static func systemConfiguration(_ configuration: AuditServerConfiguration) -> AuditTrailSystem.Configuration {
        var system = AuditTrailSystem.Configuration(dataDirectory: configuration.dataDirectory)
        system.store.readerCount = configuration.options.storeReaders
        system.store.indexCacheMiB = configuration.options.indexCacheMiB
        system.store.writerCacheKiB = configuration.options.pageCacheMiB * 1024
        system.store.readerCacheKiB = max(1024, configuration.options.pageCacheMiB * 256)
        system.store.indexChunkShift = configuration.options.indexChunkShift
        system.writer = configuration.writer
        system.checkpoint = configuration.checkpoint
        system.origin = configuration.logOrigin
        system.signingKeyFile = configuration.signingKeyFile
        system.retention = configuration.retention
        var validation = AuditEventValidator.Configuration(anonymizeIPs: configuration.anonymizeIPs)
        validation.maxPastSkewMilliseconds = configuration.maxEventAgeDays.map { Int64($0) * 86_400_000 }
        system.validator = AuditEventValidator(configuration: validation)
        system.producer = .server
        return system
    }

    private static func make(
        configuration: AuditServerConfiguration,
        system: AuditTrailSystem,
        metrics: AuditServerMetrics,
        logger: Logger,
        onListening: @escaping @Sendable (AuditServerStarted) async -> Void
    ) async throws -> AuditServer {
        let store = system.store
        let authenticator = AuditKeyAuthenticator(
            keys: store,
            environmentAdminKey: configuration.adminKey,
            metricsKey: configuration.metricsKey,
            cacheMilliseconds: configuration.options.keyCacheMilliseconds
        )
        let api = AuditAPI(
            store: store,
            writer: system.writer,
            validator: system.configuration.validator,
            authenticator: authenticator,
            metrics: metrics,
            options: configuration.options,
            publicKey: system.signer.publicKey,
            checkpointer: system.checkpointer,
            retentionDefault: configuration.retention.initialWindow,
            riskScorer: configuration.riskScoring ? AuditRiskScorer() : nil,
            sequencer: AuditIngestSequencer(),
            logger: logger
        )

        let router = Router(context: AuditRequestContext.self)
        router.add(middleware: AuditMetricsMiddleware(metrics: metrics))
        router.add(middleware: AuditProblemMiddleware())
        api.addRoutes(to: router)
        let routeTable = AuditRouteTable(router: router)
        // Added last, so it wraps only the not-found responder.
        router.add(middleware: AuditMethodNotAllowedMiddleware(table: routeTable))

        let hasStoredAdmin = try await store.keys().contains { $0.role == .admin && $0.revokedAt == nil }
        let needsAdminKey = !authenticator.hasEnvironmentAdmin && !hasStoredAdmin
        let application = Application(
            router: router,
            server: try configuration.httpServer(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "audittrail"),
            services: [system, AuditHeapTrimmer(logger: logger)],
            onServerRunning: { channel in
                await announce(
                    channel.localAddress,
                    configuration: configuration,
                    needsAdminKey: needsAdminKey,
                    logger: logger,
                    onListening: onListening
                )
            },
            logger: logger
        )

        logger.notice(
            "audittrail starting",
            metadata: [
                "audit.address": "\(configuration.host):\(configuration.port)",
                "audit.data_dir": "\(configuration.dataDirectory)",
            ]
        )
        if needsAdminKey {
            logger.notice("no admin key exists yet")
        }
        return AuditServer(
            application: application,
            api: api,
            store: store,
            routeTable: routeTable,
            checkpointer: system.checkpointer
        )
    }

    /// Logs the bound address, writes it to the port file (when one is set) and hands it to
    /// `onListening`. A port file that cannot be written is logged as an error and the server
    /// keeps running (whoever waits for the file times out and reads the log).
    private static func announce(
        _ bound: SocketAddress?,
        configuration: AuditServerConfiguration,
        needsAdminKey: Bool,
        logger: Logger,
        onListening: @Sendable (AuditServerStarted) async -> Void
    ) async {
        guard let address = bound.flatMap(AuditServerAddress.init) else {
            logger.error("the server's listening socket has no IP address and port")
            return
        }
        logger.notice("audittrail listening", metadata: ["audit.address": "\(address)"])
        if let portFile = configuration.portFile {
            do {
                try address.write(toPortFile: portFile)
            } catch {
                logger.error("cannot write the port file", metadata: ["audit.port_file": "\(portFile)", "audit.error": "\(error.message)"])
            }
        }
        await onListening(
            AuditServerStarted(
                address: address,
                dataDirectory: configuration.dataDirectory,
                needsAdminKey: needsAdminKey,
                usesTLS: configuration.usesTLS
            )
        )
    }
}
