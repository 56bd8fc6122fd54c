import AuditTrail
import AuditTrailPostgres
import Logging

/// The settings of `audittrail serve`: each written here once, and nowhere else.
extension AuditServerSetting {
    /// Every setting, in the order of the help.
    package static let all: [AuditServerSetting] = [
        host, port, dataDirectory, databaseURL, portFile, anonymizeIPs, maxEventAge, riskScoring, logLevel, writerCapacity, writerMaxBatch,
        metricsPublic,
        storeReaders,
        indexCacheMiB,
        pageCacheMiB,
        indexChunkShift,
        indexLagLimit,
        checkpointEvents, checkpointSeconds, signingKey, logOrigin, retentionDays, retentionIntervalSeconds, tlsCertificate, tlsKey,
        idleTimeout, queryTimeout, writeTimeout, tailHeartbeat, tailPoll, tailMaxLag, tailMaxStreams, streamFilesDir, streamCAFile,
        streamAlertAfter, streamMaxBackoff, adminKey, adminKeyFile, metricsKey,
        metricsKeyFile,
    ]

    /// `--host`, `AUDITTRAIL_HOST`.
    package static let host = AuditServerSetting(
        flag: "host",
        variable: "AUDITTRAIL_HOST",
        valueName: "host",
        help: "Address to listen on.",
        rule: .host,
        keyPath: \.host
    )

    /// `--port`, `AUDITTRAIL_PORT`.
    package static let port = AuditServerSetting(
        flag: "port",
        variable: "AUDITTRAIL_PORT",
        valueName: "port",
        help: "Port to listen on; 0 picks a free port (the bound address is printed, and written to --port-file).",
        rule: .integer(0...65535),
        keyPath: \.port
    )

    /// `--data-dir`, `AUDITTRAIL_DATA_DIR`.
    package static let dataDirectory = AuditServerSetting(
        flag: "data-dir",
        variable: "AUDITTRAIL_DATA_DIR",
        valueName: "path",
        help: "Data directory (the SQLite store and signing.key).",
        rule: .path,
        keyPath: \.dataDirectory
    )

    /// `--database-url`, `AUDITTRAIL_DATABASE_URL`.
    package static let databaseURL = AuditServerSetting(
        flag: "database-url",
        variable: "AUDITTRAIL_DATABASE_URL",
        valueName: "url",
        help:
            "Serve the log in PostgreSQL instead of SQLite; several servers may serve one. Prefer the variable: a flag's password shows in the process list.",
        rule: Rule<PostgresAuditStore.Configuration>.databaseURL.optional,
        keyPath: \.database,
        defaultText: "none: SQLite in the data directory",
        isSecret: true
    )

    /// `--port-file`, `AUDITTRAIL_PORT_FILE`.
    package static let portFile = AuditServerSetting(
        flag: "port-file",
        variable: "AUDITTRAIL_PORT_FILE",
        valueName: "path",
        help: "Once listening, write the bound address (host:port and a newline) to this file, atomically.",
        rule: Rule<String>.path.optional,
        keyPath: \.portFile
    )

    /// `--anonymize-ips`, `AUDITTRAIL_ANONYMIZE_IPS`.
    package static let anonymizeIPs = AuditServerSetting(
        flag: "anonymize-ips",
        variable: "AUDITTRAIL_ANONYMIZE_IPS",
        valueName: nil,
        help: "Store actor IPs truncated to /24 (IPv4) or /48 (IPv6).",
        rule: .boolean,
        keyPath: \.anonymizeIPs
    )

    /// `--risk-scoring`, `AUDITTRAIL_RISK_SCORING`.
    package static let riskScoring = AuditServerSetting(
        flag: "risk-scoring",
        variable: "AUDITTRAIL_RISK_SCORING",
        valueName: nil,
        help: "Score events posted without a risk_score (0-100, with risk:<reason> tags). Default off.",
        rule: .boolean,
        keyPath: \.riskScoring
    )

    /// `--log-level`, `AUDITTRAIL_LOG_LEVEL`.
    package static let logLevel = AuditServerSetting(
        flag: "log-level",
        variable: "AUDITTRAIL_LOG_LEVEL",
        valueName: "level",
        help: "The level the server logs at.",
        rule: .logLevel,
        keyPath: \.logLevel
    )

    /// `--writer-capacity`, `AUDITTRAIL_WRITER_CAPACITY`.
    package static let writerCapacity = AuditServerSetting(
        flag: "writer-capacity",
        variable: "AUDITTRAIL_WRITER_CAPACITY",
        valueName: "n",
        help: "Most events queued before ingest answers 503.",
        rule: .integer(1...100_000_000),
        keyPath: \.writer.capacity
    )

    /// `--writer-max-batch`, `AUDITTRAIL_WRITER_MAX_BATCH`.
    package static let writerMaxBatch = AuditServerSetting(
        flag: "writer-max-batch",
        variable: "AUDITTRAIL_WRITER_MAX_BATCH",
        valueName: "n",
        help: "Most events in one commit.",
        rule: .integer(1...1_000_000),
        keyPath: \.writer.maxBatchEvents
    )

    /// `--metrics-public`, `AUDITTRAIL_METRICS_PUBLIC`.
    package static let metricsPublic = AuditServerSetting(
        flag: "metrics-public",
        variable: "AUDITTRAIL_METRICS_PUBLIC",
        valueName: nil,
        help: "Serve /metrics to anyone without a key (by default it needs the metrics key or an admin key).",
        rule: .boolean,
        keyPath: \.options.metricsFromAnyPeer
    )

    /// `--store-readers`, `AUDITTRAIL_STORE_READERS`.
    package static let storeReaders = AuditServerSetting(
        flag: "store-readers",
        variable: "AUDITTRAIL_STORE_READERS",
        valueName: "n",
        help: "SQLite reader connections.",
        rule: .integer(1...64),
        keyPath: \.options.storeReaders
    )

    /// `--index-cache-mib`, `AUDITTRAIL_INDEX_CACHE_MIB`.
    package static let indexCacheMiB = AuditServerSetting(
        flag: "index-cache-mib",
        variable: "AUDITTRAIL_INDEX_CACHE_MIB",
        valueName: "MiB",
        help: "Memory for the search index's decoded chunks, the part of the server's memory that grows with the log (0 disables the cache).",
        rule: .integer(0...65_536),
        keyPath: \.options.indexCacheMiB
    )

    /// `--index-lag-limit`, `AUDITTRAIL_INDEX_LAG_LIMIT`.
    package static let indexLagLimit = AuditServerSetting(
        flag: "index-lag-limit",
        variable: "AUDITTRAIL_INDEX_LAG_LIMIT",
        valueName: "events",
        help:
            "Committed events ingest may run ahead of the search index before appends wait for it (a search then waits for at most about twice this many to be indexed).",
        rule: .integer(1_024...10_000_000),
        keyPath: \.options.indexLagLimit
    )

    /// `--page-cache-mib`, `AUDITTRAIL_PAGE_CACHE_MIB`.
    package static let pageCacheMiB = AuditServerSetting(
        flag: "page-cache-mib",
        variable: "AUDITTRAIL_PAGE_CACHE_MIB",
        valueName: "MiB",
        help: "SQLite's page cache of the writer connection; each reader connection gets a quarter of it (at least 1 MiB).",
        rule: .integer(1...65_536),
        keyPath: \.options.pageCacheMiB
    )

    /// `--index-chunk-shift`, `AUDITTRAIL_INDEX_CHUNK_SHIFT`.
    package static let indexChunkShift = AuditServerSetting(
        flag: "index-chunk-shift",
        variable: "AUDITTRAIL_INDEX_CHUNK_SHIFT",
        valueName: "n",
        help:
            "The search index's chunk holds 2^n seqs; a complete chunk is merged into the index file (a change rebuilds the index file on start; smaller chunks merge more often, as `bench crash` wants).",
        rule: .integer(8...16),
        keyPath: \.options.indexChunkShift
    )

    /// `--checkpoint-events`, `AUDITTRAIL_CHECKPOINT_EVENTS`.
    package static let checkpointEvents = AuditServerSetting(
        flag: "checkpoint-events",
        variable: "AUDITTRAIL_CHECKPOINT_EVENTS",
        valueName: "n",
        help: "Sign a checkpoint after this many new events.",
        rule: .integer(1...100_000_000),
        keyPath: \.checkpoint.events
    )

    /// `--checkpoint-seconds`, `AUDITTRAIL_CHECKPOINT_SECONDS`.
    package static let checkpointSeconds = AuditServerSetting(
        flag: "checkpoint-seconds",
        variable: "AUDITTRAIL_CHECKPOINT_SECONDS",
        valueName: "seconds",
        help: "Sign a checkpoint at least this often while the log grows.",
        rule: .seconds,
        keyPath: \.checkpoint.interval
    )

    /// `--signing-key`, `AUDITTRAIL_SIGNING_KEY_FILE`.
    package static let signingKey = AuditServerSetting(
        flag: "signing-key",
        variable: "AUDITTRAIL_SIGNING_KEY_FILE",
        valueName: "path",
        help: "The checkpoint signing key file; a file named here must exist (`audittrail keys public` prints its public key).",
        rule: Rule<String>.path.optional,
        keyPath: \.signingKeyFile,
        defaultText: "signing.key in the data directory, created with mode 0600 on first start"
    )

    /// `--log-origin`, `AUDITTRAIL_LOG_ORIGIN`.
    package static let logOrigin = AuditServerSetting(
        flag: "log-origin",
        variable: "AUDITTRAIL_LOG_ORIGIN",
        valueName: "origin",
        help: "The checkpoints' origin line.",
        rule: Rule<String>.origin.optional,
        keyPath: \.logOrigin,
        defaultText: "audittrail/<log id>"
    )

    /// `--max-event-age`, `AUDITTRAIL_MAX_EVENT_AGE`.
    package static let maxEventAge = AuditServerSetting(
        flag: "max-event-age",
        variable: "AUDITTRAIL_MAX_EVENT_AGE",
        valueName: "days",
        help:
            "Refuse events whose time is more than this many days before their receipt (400 naming time); 0 or off accepts any past time (imports).",
        rule: .daysOrOff,
        keyPath: \.maxEventAgeDays
    )

    /// `--retention-days`, `AUDITTRAIL_RETENTION_DAYS`.
    package static let retentionDays = AuditServerSetting(
        flag: "retention-days",
        variable: "AUDITTRAIL_RETENTION_DAYS",
        valueName: "days",
        help:
            "Days events are kept; applies while the data directory has no window stored (then: PUT /v1/retention or `audittrail retention set`).",
        rule: .retentionDays,
        keyPath: \.retention.initialWindow
    )

    /// `--retention-interval-seconds`, `AUDITTRAIL_RETENTION_INTERVAL_SECONDS`.
    package static let retentionIntervalSeconds = AuditServerSetting(
        flag: "retention-interval-seconds",
        variable: "AUDITTRAIL_RETENTION_INTERVAL_SECONDS",
        valueName: "seconds",
        help: "Time between retention runs.",
        rule: .seconds,
        keyPath: \.retention.interval
    )

    /// `--tls-cert`, `AUDITTRAIL_TLS_CERT`.
    package static let tlsCertificate = AuditServerSetting(
        flag: "tls-cert",
        variable: "AUDITTRAIL_TLS_CERT",
        valueName: "path",
        help: "Serve HTTPS with this PEM certificate chain (the server's certificate first); needs --tls-key (checked at start).",
        rule: Rule<String>.path.optional,
        keyPath: \.tlsCertificateFile,
        defaultText: "none: plain HTTP"
    )

    /// `--tls-key`, `AUDITTRAIL_TLS_KEY`.
    package static let tlsKey = AuditServerSetting(
        flag: "tls-key",
        variable: "AUDITTRAIL_TLS_KEY",
        valueName: "path",
        help: "The PEM private key of --tls-cert's certificate.",
        rule: Rule<String>.path.optional,
        keyPath: \.tlsKeyFile,
        defaultText: "none"
    )

    /// `--idle-timeout`, `AUDITTRAIL_IDLE_TIMEOUT`.
    package static let idleTimeout = AuditServerSetting(
        flag: "idle-timeout",
        variable: "AUDITTRAIL_IDLE_TIMEOUT",
        valueName: "seconds",
        help:
            "Close a connection that has not sent a complete request head within this time (from connecting, or from its previous response), or that pauses this long within a request body; a response being written is never cut off.",
        rule: .seconds,
        keyPath: \.options.idleTimeout
    )

    /// `--query-timeout`, `AUDITTRAIL_QUERY_TIMEOUT`.
    package static let queryTimeout = AuditServerSetting(
        flag: "query-timeout",
        variable: "AUDITTRAIL_QUERY_TIMEOUT",
        valueName: "seconds",
        help:
            "Time budget of one read (query, event, stats, event types, proof) in the store; past it the statement is interrupted and the answer is 422 query-timeout with Retry-After.",
        rule: .seconds,
        keyPath: \.options.queryTimeout
    )

    /// `AUDITTRAIL_ADMIN_KEY`: only from the environment (or a file, ``adminKeyFile``), so that it
    /// never shows in the process list.
    package static let adminKey = AuditServerSetting(
        flag: nil,
        variable: "AUDITTRAIL_ADMIN_KEY",
        valueName: "key",
        help: "A bootstrap admin key (id env-admin), hashed at start; only read from the environment (or --admin-key-file).",
        rule: Rule<String>.secretKey.optional,
        keyPath: \.adminKey,
        defaultText: "none",
        isSecret: true
    )

    /// `--admin-key-file`, `AUDITTRAIL_ADMIN_KEY_FILE`.
    package static let adminKeyFile = AuditServerSetting(
        flag: "admin-key-file",
        variable: "AUDITTRAIL_ADMIN_KEY_FILE",
        valueName: "path",
        help: "Read the bootstrap admin key from this file (its first line) instead of AUDITTRAIL_ADMIN_KEY.",
        rule: Rule<String>.path.optional,
        keyPath: \.adminKeyFile,
        defaultText: "none"
    )

    /// `AUDITTRAIL_METRICS_KEY`: only from the environment (or a file, ``metricsKeyFile``).
    package static let metricsKey = AuditServerSetting(
        flag: nil,
        variable: "AUDITTRAIL_METRICS_KEY",
        valueName: "key",
        help: "A key that may read /metrics and nothing else (for a Prometheus scraper); only read from the environment (or --metrics-key-file).",
        rule: Rule<String>.secretKey.optional,
        keyPath: \.metricsKey,
        defaultText: "none: /metrics needs an admin key",
        isSecret: true
    )

    /// `--metrics-key-file`, `AUDITTRAIL_METRICS_KEY_FILE`.
    package static let metricsKeyFile = AuditServerSetting(
        flag: "metrics-key-file",
        variable: "AUDITTRAIL_METRICS_KEY_FILE",
        valueName: "path",
        help: "Read the metrics key from this file (its first line) instead of AUDITTRAIL_METRICS_KEY.",
        rule: Rule<String>.path.optional,
        keyPath: \.metricsKeyFile,
        defaultText: "none"
    )
}
