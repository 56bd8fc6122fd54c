import ArgumentParser
import AuditTrail
import AuditTrailServer
import Foundation
import Hummingbird
import Logging

/// `audittrail serve`: runs the HTTP server on the embedded SQLite store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the AuditTrail HTTP server (SQLite store in the data directory).",
        discussion: """
            Every flag has an environment variable: AUDITTRAIL_HOST, AUDITTRAIL_PORT, AUDITTRAIL_DATA_DIR,
            AUDITTRAIL_ANONYMIZE_IPS, AUDITTRAIL_LOG_LEVEL, AUDITTRAIL_WRITER_CAPACITY, AUDITTRAIL_WRITER_MAX_BATCH,
            AUDITTRAIL_METRICS_PUBLIC, AUDITTRAIL_STORE_READERS, AUDITTRAIL_CHECKPOINT_EVENTS, AUDITTRAIL_CHECKPOINT_SECONDS,
            AUDITTRAIL_SIGNING_KEY_FILE, AUDITTRAIL_LOG_ORIGIN, AUDITTRAIL_RETENTION_DAYS, AUDITTRAIL_RETENTION_INTERVAL_SECONDS.
            Flags win over the environment.
            Checkpoints are signed with signing.key in the data directory (made with mode 0600 on first start) unless
            --signing-key names another key file; `audittrail keys public` prints the public key.
            The admin key is only taken from the environment (AUDITTRAIL_ADMIN_KEY, at least 16 characters,
            hashed at start), so that it never shows in the process list.
            """
    )

    @Option(help: "Address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (default 8080; 0 picks a free port).")
    var port: Int?

    @Option(name: .customLong("data-dir"), help: "Data directory (default ./audittrail-data).")
    var dataDirectory: String?

    @Flag(name: .customLong("anonymize-ips"), help: "Store actor IPs truncated to /24 (IPv4) or /48 (IPv6).")
    var anonymizeIPs = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    @Option(name: .customLong("writer-capacity"), help: "Most events queued before ingest answers 503 (default 200000).")
    var writerCapacity: Int?

    @Option(name: .customLong("writer-max-batch"), help: "Most events in one commit (default 10000).")
    var writerMaxBatch: Int?

    @Flag(name: .customLong("metrics-public"), help: "Serve /metrics to any peer, not only loopback.")
    var metricsPublic = false

    @Option(name: .customLong("store-readers"), help: "SQLite reader connections, 1–64 (default 4).")
    var storeReaders: Int?

    @Option(name: .customLong("checkpoint-events"), help: "Sign a checkpoint after this many new events (default 1000).")
    var checkpointEvents: Int?

    @Option(name: .customLong("checkpoint-seconds"), help: "Sign a checkpoint at least this often while the log grows, in seconds (default 10).")
    var checkpointSeconds: String?

    @Option(
        name: .customLong("signing-key"),
        help: "The checkpoint signing key file (default signing.key in the data directory, created on first start)."
    )
    var signingKey: String?

    @Option(name: .customLong("log-origin"), help: "The checkpoints' origin line (default audittrail/<log id>).")
    var logOrigin: String?

    @Option(
        name: .customLong("retention-days"),
        help:
            "Days events are kept, 1–36500, or off (default 90); applies while the data directory has no window stored (then: PUT /v1/retention or `audittrail retention set`)."
    )
    var retentionDays: String?

    @Option(name: .customLong("retention-interval-seconds"), help: "Seconds between retention runs (default 3600).")
    var retentionIntervalSeconds: String?

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port: must be from 0 to 65535") }
        if let host, host.isEmpty { throw ValidationError("--host: must not be empty") }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level: must be one of trace, debug, info, notice, warning, error, critical")
        }
        if let writerCapacity, writerCapacity < 1 { throw ValidationError("--writer-capacity: must be a positive integer") }
        if let writerMaxBatch, writerMaxBatch < 1 { throw ValidationError("--writer-max-batch: must be a positive integer") }
        if let storeReaders, !(1...64).contains(storeReaders) { throw ValidationError("--store-readers: must be from 1 to 64") }
        if let checkpointEvents, !(1...100_000_000).contains(checkpointEvents) {
            throw ValidationError("--checkpoint-events: must be an integer from 1 to 100000000")
        }
        if let checkpointSeconds, AuditServerConfiguration.checkpointInterval(checkpointSeconds) == nil {
            throw ValidationError("--checkpoint-seconds: \(AuditServerConfiguration.checkpointIntervalRule)")
        }
        if let signingKey, signingKey.isEmpty { throw ValidationError("--signing-key: must not be empty") }
        if let logOrigin, !AuditServerConfiguration.isValidOrigin(logOrigin) {
            throw ValidationError("--log-origin: \(AuditServerConfiguration.originRule)")
        }
        if let retentionDays, (try? AuditRetentionWindow(parsing: retentionDays)) == nil {
            throw ValidationError("--retention-days: must be an integer from 1 to 36500, or 0 or off")
        }
        if let retentionIntervalSeconds, AuditServerConfiguration.checkpointInterval(retentionIntervalSeconds) == nil {
            throw ValidationError("--retention-interval-seconds: \(AuditServerConfiguration.checkpointIntervalRule)")
        }
    }

    func run() async throws {
        var configuration: AuditServerConfiguration
        do {
            configuration = try AuditServerConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
        } catch let error as AuditTrailError {
            throw ValidationError(cliMessage(error, flagNames: false))
        }
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        if anonymizeIPs { configuration.anonymizeIPs = true }
        if let level = logLevel.flatMap(Logger.Level.init(rawValue:)) { configuration.logLevel = level }
        if let writerCapacity { configuration.writer.capacity = writerCapacity }
        if let writerMaxBatch { configuration.writer.maxBatchEvents = writerMaxBatch }
        if metricsPublic { configuration.options.metricsFromAnyPeer = true }
        if let storeReaders { configuration.options.storeReaders = storeReaders }
        if let checkpointEvents { configuration.checkpoint.events = Int64(checkpointEvents) }
        if let interval = checkpointSeconds.flatMap(AuditServerConfiguration.checkpointInterval) { configuration.checkpoint.interval = interval }
        if let signingKey { configuration.signingKeyFile = signingKey }
        if let logOrigin { configuration.logOrigin = logOrigin }
        if let window = try retentionDays.map({ try AuditRetentionWindow(parsing: $0) }) { configuration.retention.initialWindow = window }
        if let interval = retentionIntervalSeconds.flatMap(AuditServerConfiguration.checkpointInterval) {
            configuration.retention.interval = interval
        }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "audittrail")
        let app = try await buildAuditApplication(configuration: configuration, logger: logger)
        try await app.runService()
    }
}
