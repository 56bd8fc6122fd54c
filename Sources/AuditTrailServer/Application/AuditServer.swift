import AuditTrail
import AuditTrailPostgres
import AuditTrailSQLite
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the whole service on the embedded SQLite store: the store, the batching writer and the
/// HTTP application, all in one `ServiceGroup`-ready `Application`. A PostgreSQL log
/// (``AuditServerConfiguration/database``) needs its connection pool running around the
/// application: serve it with ``runAuditServer(configuration:logger:onListening:)``.
///
/// The application's services are the store's upkeep, the ``AuditCheckpointer``, the
/// ``AuditWriter`` and the ``AuditRetention`` service (``AuditLogServices``, in a nested group)
/// and the HTTP server. On SIGTERM the server stops first, then retention (between batches), then
/// the writer commits everything it had queued, then the checkpointer signs the final tree, then
/// the store closes.
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
/// - Throws: `.invalidInput` naming `database_url` when a PostgreSQL log is configured.
public func buildAuditApplication(
    configuration: AuditServerConfiguration,
    logger: Logger,
    onListening: @escaping @Sendable (AuditServerStarted) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    guard configuration.database == nil else {
        throw AuditTrailError.invalid("database_url", "a PostgreSQL log is served by runAuditServer, which runs its connection pool")
    }
    return try await AuditServer.make(configuration: configuration, logger: logger, onListening: onListening).application
}

/// Serves the configured log — SQLite in the data directory, or PostgreSQL when
/// ``AuditServerConfiguration/database`` is set — until SIGTERM or SIGINT, then shuts down in
/// order (see ``buildAuditApplication(configuration:logger:onListening:)``); a PostgreSQL
/// connection pool stops last.
///
/// ```swift
/// try await runAuditServer(configuration: try .fromEnvironment(ProcessInfo.processInfo.environment), logger: logger)
/// ```
public func runAuditServer(
    configuration: AuditServerConfiguration,
    logger: Logger,
    onListening: @escaping @Sendable (AuditServerStarted) async -> Void = { _ in }
) async throws {
    try await AuditServer.withServer(configuration: configuration, logger: logger, onListening: onListening) { server in
        try await server.application.runService()
    }
}

/// The assembled server, for tests and embedding: the application and the parts behind it.
struct AuditServer: Sendable {
    let application: Application<RouterResponder<AuditRequestContext>>
    let api: AuditAPI
    let store: any AuditLogStore
    let routeTable: AuditRouteTable
    let checkpointer: AuditCheckpointer

    /// Opens the configured store, builds the server on it and runs `body` with it; a PostgreSQL
    /// store's connection pool runs until `body` returns. (The SQLite store is closed by the
    /// application's services when they stop.)
    static func withServer<T: Sendable>(
        configuration: AuditServerConfiguration,
        logger baseLogger: Logger,
        onListening: @escaping @Sendable (AuditServerStarted) async -> Void = { _ in },
        _ body: @Sendable (AuditServer) async throws -> T
    ) async throws -> T {
        guard var database = configuration.database else {
            return try await body(make(configuration: configuration, logger: baseLogger, onListening: onListening))
        }
        var logger = baseLogger
        logger.logLevel = configuration.logLevel
        database.indexCacheMiB = configuration.options.indexCacheMiB
        database.indexLagLimit = configuration.options.indexLagLimit
        database.indexChunkShift = configuration.options.indexChunkShift
        // The log is in the database; the data directory holds only the default signing key.
        if configuration.signingKeyFile == nil { try AuditPrivateFiles.makeDirectory(configuration.dataDirectory, logger: logger) }
        return try await PostgresAuditStore.withStore(configuration: database, logger: logger) { store in
            let metrics = AuditServerMetrics()
            let parts = try await AuditLogServices.assemble(
                store: store,
                configuration: servicesConfiguration(configuration),
                observers: [metrics.writerObserver],
                leases: store,
                logger: logger
            )
            try await store.requireSigningKey(parts.signer.publicKey.text)
            logger.notice("audit log in PostgreSQL", metadata: ["audit.database": "\(store.address)"])
            let server = try await make(
                configuration: configuration,
                store: store,
                parts: parts,
                storeService: store,
                extraServices: [AuditPostgresCommitListener(store: store, commits: parts.commits)],
                leases: store,
                metrics: metrics,
                logger: logger,
                onListening: onListening
            )
            return try await body(server)
        }
    }

    /// The server on the SQLite store in ``AuditServerConfiguration/dataDirectory``.
    static func make(
        configuration: AuditServerConfiguration,
        logger baseLogger: Logger,
        onListening: @escaping @Sendable (AuditServerStarted) async -> Void = { _ in }
    ) async throws -> AuditServer {
        var logger = baseLogger
        logger.logLevel = configuration.logLevel
        let metrics = AuditServerMetrics()
        var storeConfiguration = SQLiteAuditStore.Configuration(directory: configuration.dataDirectory)
        storeConfiguration.readerCount = configuration.options.storeReaders
        storeConfiguration.indexCacheMiB = configuration.options.indexCacheMiB
        storeConfiguration.indexLagLimit = configuration.options.indexLagLimit
        storeConfiguration.writerCacheKiB = configuration.options.pageCacheMiB * 1024
        storeConfiguration.readerCacheKiB = max(1024, configuration.options.pageCacheMiB * 256)
        storeConfiguration.indexChunkShift = configuration.options.indexChunkShift
        let store = try await SQLiteAuditStore.open(configuration: storeConfiguration, logger: logger)
        do {
            let parts = try await AuditLogServices.assemble(
                store: store,
                configuration: servicesConfiguration(configuration),
                observers: [metrics.writerObserver],
                logger: logger
            )
            return try await make(
                configuration: configuration,
                store: store,
                parts: parts,
                storeService: SQLiteStoreService(store: store, logger: logger),
                metrics: metrics,
                logger: logger,
                onListening: onListening
            )
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// The parts the server runs over its store: signer, checkpointer, writer (no JSONL
    /// fallback: a spilled event has no store seq to answer a POST with) and retention.
    ///
    /// The signing key is ``AuditServerConfiguration/signingKeyFile`` when set (it must exist),
    /// otherwise `signing.key` in the data directory, generated with mode 0600 on first start. The
    /// origin is ``AuditServerConfiguration/logOrigin`` or `audittrail/<log id>`.
    static func servicesConfiguration(_ configuration: AuditServerConfiguration) -> AuditLogServices.Configuration {
        var services = AuditLogServices.Configuration(
            signingKeyFile: configuration.resolvedSigningKeyFile,
            createsSigningKey: configuration.signingKeyFile == nil
        )
        services.writer = configuration.writer
        services.checkpoint = configuration.checkpoint
        services.origin = configuration.logOrigin
        services.retention = configuration.retention
        var validation = AuditEventValidator.Configuration(anonymizeIPs: configuration.anonymizeIPs)
        validation.maxPastSkewMilliseconds = configuration.maxEventAgeDays.map { Int64($0) * 86_400_000 }
        services.validator = AuditEventValidator(configuration: validation)
        services.producer = .server
        return services
    }

    private static func make(
        configuration: AuditServerConfiguration,
        store: any AuditLogStore,
        parts: AuditLogServices,
        storeService: any Service,
        extraServices: [any Service] = [],
        leases: (any AuditLeaseStore)? = nil,
        metrics: AuditServerMetrics,
        logger: Logger,
        onListening: @escaping @Sendable (AuditServerStarted) async -> Void
    ) async throws -> AuditServer {
        let authenticator = AuditKeyAuthenticator(
            keys: store,
            environmentAdminKey: configuration.adminKey,
            metricsKey: configuration.metricsKey,
            cacheMilliseconds: configuration.options.keyCacheMilliseconds
        )
        let outbound = try AuditOutbound(
            store: store,
            exporter: AuditExporter(store: store, checkpointer: parts.checkpointer, publicKey: parts.signer.publicKey),
            parts: parts,
            leases: leases,
            options: configuration.options,
            dataDirectory: configuration.dataDirectory,
            logger: logger
        )
        let explorer = AuditExplorer.load()
        if explorer == nil {
            logger.warning("the web explorer's files are not next to the executable (audittrail_AuditTrailServer.resources): GET / is a plain page")
        }
        let api = AuditAPI(
            store: store,
            writer: parts.writer,
            validator: parts.sink.validator,
            authenticator: authenticator,
            metrics: metrics,
            options: configuration.options,
            publicKey: parts.signer.publicKey,
            checkpointer: parts.checkpointer,
            retentionDefault: configuration.retention.initialWindow,
            riskScorer: configuration.riskScoring ? AuditRiskScorer() : nil,
            sequencer: AuditIngestSequencer(),
            commits: parts.commits,
            outbound: outbound,
            explorer: explorer,
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
            // Stopped in reverse: the server, streams and alert rules (their alerts go through the writer), then the log's parts.
            services: [parts.service(after: storeService, logger: logger), AuditHeapTrimmer(logger: logger)] + extraServices + [outbound],
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
            checkpointer: parts.checkpointer
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
                usesTLS: configuration.usesTLS,
                usesDatabase: configuration.database != nil
            )
        )
    }
}
