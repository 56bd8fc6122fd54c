import AsyncHTTPClient
import AuditTrail
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// What the server sends out and watches: the streams (`/v1/streams`, ``AuditStreamRunner``)
/// with the destinations a definition names — webhooks through one HTTP client, syslog over TCP
/// or TLS, files under ``AuditServerConfiguration/Options/streamFilesRoot`` — and the alert rules
/// (`/v1/alert-rules`, ``AuditAlertRunner``, ``AuditKeyAddressWatch``) with their webhooks. Runs
/// as one service that stops before the writer (alerts are recorded through it), then shuts the
/// HTTP client down.
final class AuditOutbound: Service, Sendable {
    let streams: AuditStreamRunner
    let streamCatalog: AuditStreamCatalog
    let alerts: AuditAlertRunner
    let alertCatalog: AuditAlertCatalog
    let keyAddresses: AuditKeyAddressWatch
    /// Where a files destination's relative directory is resolved.
    let filesRoot: String
    private let client: HTTPClient

    init(
        store: any AuditLogStore,
        exporter: AuditExporter,
        parts: AuditLogServices,
        leases: (any AuditLeaseStore)?,
        options: AuditServerConfiguration.Options,
        dataDirectory: String,
        logger: Logger
    ) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = options.streamCAFile { tls.additionalTrustRoots = [.file(caFile)] }
        // Made at the first syslog-over-TLS destination, not at every start (it loads the trust roots).
        let contexts = LazyTLSContext(configuration: tls)
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .seconds(10)
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        let filesRoot = options.streamFilesRoot ?? dataDirectory + "/streams"
        let recorder = AuditWriterSink(writer: parts.writer, validator: parts.sink.validator, producer: .server)
        self.client = client
        self.filesRoot = filesRoot
        self.streamCatalog = AuditStreamCatalog(store: store)
        self.alertCatalog = AuditAlertCatalog(store: store)
        self.streams = AuditStreamRunner(
            catalog: streamCatalog,
            exporter: exporter,
            commits: parts.commits,
            recorder: recorder,
            leases: leases,
            configuration: options.streams,
            makeDestination: { definition in
                switch definition.destination {
                case .webhook(let url, let timeout):
                    return AuditWebhookDestination(client: client, url: url, secret: definition.secret ?? "", timeout: .seconds(timeout))
                case .syslog(let host, let port, let useTLS):
                    return AuditSyslogDestination(host: host, port: port, tls: useTLS ? try contexts.context() : nil, timeout: .seconds(10))
                case .files(let directory, let keep):
                    return AuditStreamFiles(directory: filesRoot + "/" + directory, keep: keep)
                }
            },
            logger: logger
        )
        self.alerts = AuditAlertRunner(
            store: store,
            writer: parts.writer,
            validator: parts.sink.validator,
            producer: .server,
            commits: parts.commits,
            leases: leases,
            configuration: options.alerts,
            notify: { url, secret, body in
                try await AuditWebhookDestination(client: client, url: url, secret: secret, timeout: .seconds(10)).post(
                    body,
                    mediaType: "application/json",
                    headers: []
                )
            },
            logger: logger
        )
        self.keyAddresses = AuditKeyAddressWatch(settings: store, recorder: recorder, logger: logger)
    }

    /// A client TLS context made once, when first needed.
    final class LazyTLSContext: Sendable {
        let configuration: TLSConfiguration
        private let made = Mutex<NIOSSLContext?>(nil)

        init(configuration: TLSConfiguration) { self.configuration = configuration }

        func context() throws -> NIOSSLContext {
            try made.withLock { made in
                if let made { return made }
                let context = try NIOSSLContext(configuration: configuration)
                made = context
                return context
            }
        }
    }

    func run() async throws {
        do {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await self.streams.run() }
                group.addTask { try await self.alerts.run() }
                group.addTask { try await self.keyAddresses.run() }
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
