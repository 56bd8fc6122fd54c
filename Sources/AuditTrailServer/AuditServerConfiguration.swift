import AuditTrail
import Logging

/// Everything `audittrail serve` needs: where to listen, where the data lives, the bootstrap admin
/// key and the knobs of the writer.
///
/// ```swift
/// var configuration = try AuditServerConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
/// configuration.port = 9090
/// let app = try await buildAuditApplication(configuration: configuration, logger: logger)
/// try await app.runService()
/// ```
public struct AuditServerConfiguration: Sendable {
    /// Advanced settings with sensible defaults.
    public struct Options: Sendable {
        /// Serve `/metrics` to every peer, not only to loopback peers (127.0.0.0/8, ::1). Default false.
        ///
        /// `/metrics` shares the main listener; by default a request from any other address gets 404,
        /// so that exposing the API does not expose operational data. Set this when a Prometheus
        /// server scrapes from another host (`AUDITTRAIL_METRICS_PUBLIC=true`).
        public var metricsFromAnyPeer = false
        /// How long a successful key lookup is cached, in milliseconds (at most 2000). Default 1000.
        /// Revocation through the API clears the cache at once; a key revoked by another process
        /// (the CLI) stops working within this time.
        public var keyCacheMilliseconds: Int64 = 1000
        /// Reader connections of the SQLite store. Default 4.
        public var storeReaders = 4
        public init() {}
    }

    /// Address to listen on. Default `127.0.0.1`.
    public var host: String = "127.0.0.1"
    /// Port to listen on; 0 picks a free port. Default 8080.
    public var port: Int = 8080
    /// Directory of the SQLite store. Default `./audittrail-data`.
    public var dataDirectory: String = "./audittrail-data"
    /// `AUDITTRAIL_ADMIN_KEY`: hashed at start, acts as an admin key whose id is `env-admin`.
    public var adminKey: String? = nil
    /// Store `actor.ip` truncated to /24 (IPv4) or /48 (IPv6). Default false.
    public var anonymizeIPs: Bool = false
    /// The batching writer's queue and batch sizes.
    public var writer: AuditWriter.Configuration = .init()
    /// The level the server logs at. Default `.info`.
    public var logLevel: Logger.Level = .info
    /// Advanced settings.
    public var options: Options = .init()

    /// The defaults: 127.0.0.1:8080, `./audittrail-data`, no environment admin key.
    public init() {}

    /// The id the environment admin key acts under.
    public static let environmentAdminKeyID = "env-admin"
    /// The shortest environment admin key accepted.
    public static let minimumAdminKeyLength = 16
}
