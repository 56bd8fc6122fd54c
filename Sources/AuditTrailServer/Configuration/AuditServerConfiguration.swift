import AuditTrail
import AuditTrailHummingbird
import AuditTrailPostgres
import Logging

/// Everything `audittrail serve` needs: where to listen, where the data lives, the bootstrap admin
/// key and the knobs of the writer.
///
/// The settings that `serve`'s flags and the `AUDITTRAIL_*` variables set are defined once, in
/// ``AuditServerSetting/all``; ``fromEnvironment(_:)`` reads the variables through that table.
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
        /// Serve `/metrics` to anyone, without a key (`AUDITTRAIL_METRICS_PUBLIC=true`). Default false.
        ///
        /// `/metrics` shares the main listener, so by default it needs a key like the API: the
        /// metrics key (``AuditServerConfiguration/metricsKey``) or an admin key; no key is a 401,
        /// another role's key a 403. The peer's address is not trusted: behind a TLS proxy on the
        /// same host every client is 127.0.0.1. Set this only where the listener is not reachable
        /// by anyone who should not read the series.
        public var metricsFromAnyPeer = false
        /// How long a successful key lookup is cached, in milliseconds (at most 2000). Default 1000.
        /// Revocation through the API clears the cache at once; a key revoked by another process
        /// (the CLI) stops working within this time.
        public var keyCacheMilliseconds: Int64 = 1000
        /// Reader connections of the SQLite store. Default 4.
        public var storeReaders = 4
        /// SQLite's page cache of the writer connection, in MiB (`AUDITTRAIL_PAGE_CACHE_MIB`); each
        /// reader-side connection gets a quarter of it (at least 1 MiB). These caches fill as the
        /// database grows and then stay at their size. Default 64.
        public var pageCacheMiB = 64
        /// Memory for the search index's decoded chunks, in MiB (`AUDITTRAIL_INDEX_CACHE_MIB`):
        /// the largest part of the server's memory that grows with the log. Default 256.
        public var indexCacheMiB = 256
        /// The search index's chunk size as a power of two (`AUDITTRAIL_INDEX_CHUNK_SHIFT`, 8…16):
        /// each complete chunk is merged into the index file. Default 16 (65,536 seqs).
        public var indexChunkShift = 16
        /// Committed events ingest may run ahead of the search index before appends wait for it
        /// (`AUDITTRAIL_INDEX_LAG_LIMIT`): a search then waits for at most about twice this many
        /// to be indexed, at any ingest rate. Default 65,536.
        public var indexLagLimit = 65_536
        /// How long a connection may go without progress before the server closes it
        /// (`AUDITTRAIL_IDLE_TIMEOUT`). Default 30 seconds.
        ///
        /// The clock starts when the connection opens (and, on a kept-alive connection, when a
        /// response ends) and restarts at every part of a request read: a complete request head,
        /// each piece of its body. A client that has not sent a whole request head within this
        /// time — a slow-loris dripping header bytes, a TLS peer that never sends a request — is
        /// disconnected, as is an upload that pauses this long. A response being written (an
        /// export, a `/v1/stream` tail) is never cut off by it.
        public var idleTimeout: Duration = .seconds(30)
        /// How long one read of the log (a query, one event, stats, event types, a proof) may
        /// spend in the store (`AUDITTRAIL_QUERY_TIMEOUT`). Default 10 seconds.
        ///
        /// Past it the statement under way is interrupted and the answer is a `422` problem of
        /// type `query-timeout` with `Retry-After: 1`, so that a few expensive searches cannot
        /// hold every reader connection. Verification and exports have no time budget (they
        /// read the whole log by design); every read is also interrupted when its client
        /// disconnects.
        public var queryTimeout: Duration = .seconds(10)
        /// How long a response may wait for its client to take any of it (`AUDITTRAIL_WRITE_TIMEOUT`):
        /// a connection whose socket stays full this long — a live tail or an export to a client
        /// that stopped reading — is closed. A client that reads, however slowly, restarts the
        /// clock. Default 60 seconds.
        public var writeTimeout: Duration = .seconds(60)
        /// How live tails (`GET /v1/stream`) behave: heartbeat, poll, slow consumers, how many.
        public var tail = AuditTailOptions()
        /// How streams (`/v1/streams`) retry and when a failing one raises an alert.
        public var streams = AuditStreamRunner.Configuration()
        /// How alert rules (`/v1/alert-rules`) are evaluated and their webhooks retried.
        public var alerts = AuditAlertRunner.Configuration()
        /// Where a files stream's `directory` is resolved (`AUDITTRAIL_STREAM_FILES_DIR`).
        /// Default nil: `streams` in the data directory.
        public var streamFilesRoot: String?
        /// A PEM file of certificate authorities that webhook (HTTPS) and syslog (TLS) receivers
        /// are trusted by, besides the system's roots (`AUDITTRAIL_STREAM_CA_FILE`).
        public var streamCAFile: String?
        public init() {}
    }

    /// Address to listen on. Default `127.0.0.1`.
    public var host: String = "127.0.0.1"
    /// Port to listen on; 0 picks a free port. Default 8080.
    public var port: Int = 8080
    /// A file the bound address (`127.0.0.1:43125` and a newline) is written to once the server
    /// listens, atomically (`AUDITTRAIL_PORT_FILE`). Default nil: none. With port 0 it tells
    /// another process which port was picked.
    public var portFile: String? = nil
    /// Directory of the SQLite store and of `signing.key`. Default `./audittrail-data`.
    public var dataDirectory: String = "./audittrail-data"
    /// The PostgreSQL log to serve instead of the SQLite store (`--database-url`,
    /// `AUDITTRAIL_DATABASE_URL`). Default nil: SQLite in ``dataDirectory``. Several servers may
    /// serve one PostgreSQL log; they must share one signing key (``signingKeyFile``).
    public var database: PostgresAuditStore.Configuration? = nil
    /// `AUDITTRAIL_ADMIN_KEY`: hashed at start, acts as an admin key whose id is `env-admin`.
    public var adminKey: String? = nil
    /// A file holding the admin key (`--admin-key-file`, `AUDITTRAIL_ADMIN_KEY_FILE`), read into
    /// ``adminKey`` by ``fromSettings(arguments:environment:)``. Default nil.
    public var adminKeyFile: String? = nil
    /// The key that may read `/metrics` and nothing else (`AUDITTRAIL_METRICS_KEY`): what a
    /// Prometheus scraper presents as `Authorization: Bearer <key>`. Default nil: `/metrics`
    /// answers only admin keys (unless ``Options/metricsFromAnyPeer``).
    public var metricsKey: String? = nil
    /// A file holding the metrics key (`--metrics-key-file`, `AUDITTRAIL_METRICS_KEY_FILE`), read
    /// into ``metricsKey`` by ``fromSettings(arguments:environment:)``. Default nil.
    public var metricsKeyFile: String? = nil
    /// Store `actor.ip` truncated to /24 (IPv4) or /48 (IPv6). Default false.
    public var anonymizeIPs: Bool = false
    /// The oldest event time accepted, in days before receipt (`AUDITTRAIL_MAX_EVENT_AGE`); nil
    /// accepts any. Default 30: a producer cannot date events over decades (every reader's
    /// histogram and time range would span them), while a client spool that was cut off from the
    /// server for weeks still delivers. Events are never in the future by more than a day.
    public var maxEventAgeDays: Int? = 30
    /// Give events posted without a `risk_score` one from ``AuditRiskScorer`` (default settings),
    /// with a `risk:<reason>` tag per reason (`AUDITTRAIL_RISK_SCORING`). Default false: the server
    /// stores what producers send unless told otherwise, and the scorer's memory (known IPs per
    /// actor, recent failures) is per process, so scores after a restart start from nothing.
    public var riskScoring: Bool = false
    /// The batching writer's queue and batch sizes.
    public var writer: AuditWriter.Configuration = .init()
    /// The level the server logs at. Default `.info`.
    public var logLevel: Logger.Level = .info
    /// Advanced settings.
    public var options: Options = .init()
    /// When checkpoints are signed: every 1,000 events or 10 seconds by default
    /// (`AUDITTRAIL_CHECKPOINT_EVENTS`, `AUDITTRAIL_CHECKPOINT_SECONDS`).
    public var checkpoint: AuditCheckpointer.Configuration = .init()
    /// The checkpoint signing key file (`AUDITTRAIL_SIGNING_KEY_FILE`). Default nil:
    /// `signing.key` in the data directory, created with mode 0600 on first start. A file given
    /// here must exist.
    public var signingKeyFile: String? = nil
    /// The checkpoints' origin line (`AUDITTRAIL_LOG_ORIGIN`). Default nil: `audittrail/<log id>`,
    /// the log id being 32 hex digits generated once when the store is created.
    public var logOrigin: String? = nil
    /// Retention: runs every hour by default (`AUDITTRAIL_RETENTION_INTERVAL_SECONDS`); its
    /// ``AuditRetention/Configuration/initialWindow`` (`AUDITTRAIL_RETENTION_DAYS`, default 90
    /// days, `0` or `off` for off) is stored when the data directory has no window yet — after
    /// that, `PUT /v1/retention` or `audittrail retention set` change it.
    public var retention: AuditRetention.Configuration = .init()
    /// The PEM certificate chain to serve HTTPS with (`AUDITTRAIL_TLS_CERT`). Default nil: plain
    /// HTTP. Needs ``tlsKeyFile``.
    public var tlsCertificateFile: String? = nil
    /// The PEM private key of ``tlsCertificateFile`` (`AUDITTRAIL_TLS_KEY`). Default nil.
    public var tlsKeyFile: String? = nil

    /// The signing key file used: ``signingKeyFile`` or `signing.key` in the data directory.
    public var resolvedSigningKeyFile: String {
        signingKeyFile ?? (dataDirectory.hasSuffix("/") ? dataDirectory : dataDirectory + "/") + Self.signingKeyFileName
    }

    /// The signing key's file name inside the data directory.
    public static let signingKeyFileName = "signing.key"
    /// The default origin of a log: this prefix and its log id.
    public static func defaultOrigin(logID: String) -> String { "audittrail/" + logID }

    /// The defaults: 127.0.0.1:8080, `./audittrail-data`, no environment admin key.
    public init() {}

    /// The id the environment admin key acts under.
    public static let environmentAdminKeyID = "env-admin"
    /// The shortest environment admin key accepted.
    public static let minimumAdminKeyLength = 16
}

extension AuditServerConfiguration {
    /// The rule for the checkpoint interval, as errors state it.
    public static let checkpointIntervalRule = "must be " + AuditServerSetting.Rule<Duration>.seconds.text
    /// The rule for a log origin, as errors state it.
    public static let originRule = "must be " + AuditServerSetting.Rule<String>.origin.text

    /// A checkpoint interval from decimal seconds (0.01 to 86,400), or nil.
    public static func checkpointInterval(_ text: String) -> Duration? {
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0.01, seconds <= 86_400 else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// Whether `origin` can be a checkpoint's origin line.
    public static func isValidOrigin(_ origin: String) -> Bool {
        !origin.isEmpty && origin.utf8.count <= 256 && !origin.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }
}
