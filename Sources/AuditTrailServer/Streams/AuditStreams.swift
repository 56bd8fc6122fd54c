import AsyncHTTPClient
import AuditTrail
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// The server's streams (`/v1/streams`): the ``AuditStreamRunner`` over the log, with the
/// destinations a definition names — webhooks through one HTTP client, syslog over TCP or TLS,
/// files under ``AuditServerConfiguration/Options/streamFilesRoot``. Runs as a service that
/// stops before the writer (its alerts are recorded through it) and then shuts the HTTP client down.
final class AuditStreams: Service, Sendable {
    let runner: AuditStreamRunner
    let catalog: AuditStreamCatalog
    /// Where a files destination's relative directory is resolved.
    let filesRoot: String
    private let client: HTTPClient

    init(
        store: any AuditLogStore,
        exporter: AuditExporter,
        commits: AuditCommitSignal,
        recorder: any AuditEventSink,
        leases: (any AuditLeaseStore)?,
        options: AuditServerConfiguration.Options,
        dataDirectory: String,
        logger: Logger
    ) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = options.streamCAFile { tls.additionalTrustRoots = [.file(caFile)] }
        let context = try NIOSSLContext(configuration: tls)
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .seconds(10)
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        let filesRoot = options.streamFilesRoot ?? dataDirectory + "/streams"
        self.client = client
        self.filesRoot = filesRoot
        self.catalog = AuditStreamCatalog(store: store)
        self.runner = AuditStreamRunner(
            catalog: catalog,
            exporter: exporter,
            commits: commits,
            recorder: recorder,
            leases: leases,
            configuration: options.streams,
            makeDestination: { definition in
                switch definition.destination {
                case .webhook(let url, let timeout):
                    return AuditWebhookDestination(client: client, url: url, secret: definition.secret ?? "", timeout: .seconds(timeout))
                case .syslog(let host, let port, let useTLS):
                    return AuditSyslogDestination(host: host, port: port, tls: useTLS ? context : nil, timeout: .seconds(10))
                case .files(let directory, let keep):
                    return AuditStreamFiles(directory: filesRoot + "/" + directory, keep: keep)
                }
            },
            logger: logger
        )
    }

    func run() async throws {
        do {
            try await runner.run()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
