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
    /// The environment variables ``fromEnvironment(_:)`` reads.
    public static let environmentVariables: [String] = [
        "AUDITTRAIL_HOST", "AUDITTRAIL_PORT", "AUDITTRAIL_DATA_DIR", "AUDITTRAIL_ADMIN_KEY",
        "AUDITTRAIL_ANONYMIZE_IPS", "AUDITTRAIL_LOG_LEVEL", "AUDITTRAIL_WRITER_CAPACITY",
        "AUDITTRAIL_WRITER_MAX_BATCH", "AUDITTRAIL_METRICS_PUBLIC", "AUDITTRAIL_STORE_READERS",
        "AUDITTRAIL_CHECKPOINT_EVENTS", "AUDITTRAIL_CHECKPOINT_SECONDS", "AUDITTRAIL_SIGNING_KEY_FILE", "AUDITTRAIL_LOG_ORIGIN",
        "AUDITTRAIL_RETENTION_DAYS", "AUDITTRAIL_RETENTION_INTERVAL_SECONDS",
    ]

    /// Reads the `AUDITTRAIL_*` variables over the defaults, validating each.
    ///
    /// Variables: `AUDITTRAIL_HOST`, `AUDITTRAIL_PORT` (0–65535), `AUDITTRAIL_DATA_DIR`,
    /// `AUDITTRAIL_ADMIN_KEY` (at least 16 characters), `AUDITTRAIL_ANONYMIZE_IPS` and
    /// `AUDITTRAIL_METRICS_PUBLIC` (true/false/1/0/yes/no), `AUDITTRAIL_LOG_LEVEL` (trace … critical),
    /// `AUDITTRAIL_WRITER_CAPACITY` and `AUDITTRAIL_WRITER_MAX_BATCH` (positive integers),
    /// `AUDITTRAIL_STORE_READERS` (1–64), `AUDITTRAIL_CHECKPOINT_EVENTS` (1–100,000,000),
    /// `AUDITTRAIL_CHECKPOINT_SECONDS` (a number from 0.01 to 86,400), `AUDITTRAIL_SIGNING_KEY_FILE`
    /// (a path), `AUDITTRAIL_LOG_ORIGIN` (one line, no control characters),
    /// `AUDITTRAIL_RETENTION_DAYS` (1–36,500, or `0`/`off`), `AUDITTRAIL_RETENTION_INTERVAL_SECONDS`
    /// (a number from 0.01 to 86,400). Unset or empty variables keep the default.
    ///
    /// ```swift
    /// let configuration = try AuditServerConfiguration.fromEnvironment(["AUDITTRAIL_PORT": "9000"])
    /// ```
    /// - Throws: ``AuditTrailError`` with code `invalidInput`, one field error per bad variable
    ///   naming the variable and the rule (never its value).
    public static func fromEnvironment(_ env: [String: String]) throws -> AuditServerConfiguration {
        var configuration = AuditServerConfiguration()
        var errors: [AuditTrailError.FieldError] = []
        func value(_ name: String) -> String? {
            guard let text = env[name], !text.isEmpty else { return nil }
            return text
        }
        func fail(_ name: String, _ rule: String) { errors.append(.init(field: name, message: rule)) }
        func integer(_ name: String, _ range: ClosedRange<Int>) -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                fail(name, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
                return nil
            }
            return number
        }
        func flag(_ name: String) -> Bool? {
            guard let text = value(name) else { return nil }
            switch text.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default:
                fail(name, "must be true or false (also 1/0, yes/no, on/off)")
                return nil
            }
        }

        if let host = value("AUDITTRAIL_HOST") {
            if host.contains(where: { $0 == " " || $0 == "/" }) {
                fail("AUDITTRAIL_HOST", "must be a host name or IP address")
            } else {
                configuration.host = host
            }
        }
        if let port = integer("AUDITTRAIL_PORT", 0...65535) { configuration.port = port }
        if let directory = value("AUDITTRAIL_DATA_DIR") { configuration.dataDirectory = directory }
        if let key = env["AUDITTRAIL_ADMIN_KEY"], !key.isEmpty {
            if key.count < minimumAdminKeyLength {
                fail("AUDITTRAIL_ADMIN_KEY", "must be at least \(minimumAdminKeyLength) characters")
            } else if key.contains(where: { $0.isWhitespace }) {
                fail("AUDITTRAIL_ADMIN_KEY", "must not contain whitespace")
            } else {
                configuration.adminKey = key
            }
        }
        if let anonymize = flag("AUDITTRAIL_ANONYMIZE_IPS") { configuration.anonymizeIPs = anonymize }
        if let open = flag("AUDITTRAIL_METRICS_PUBLIC") { configuration.options.metricsFromAnyPeer = open }
        if let text = value("AUDITTRAIL_LOG_LEVEL") {
            if let level = Logger.Level(rawValue: text.lowercased()) {
                configuration.logLevel = level
            } else {
                fail("AUDITTRAIL_LOG_LEVEL", "must be one of trace, debug, info, notice, warning, error, critical")
            }
        }
        if let capacity = integer("AUDITTRAIL_WRITER_CAPACITY", 1...100_000_000) { configuration.writer.capacity = capacity }
        if let batch = integer("AUDITTRAIL_WRITER_MAX_BATCH", 1...1_000_000) { configuration.writer.maxBatchEvents = batch }
        if let readers = integer("AUDITTRAIL_STORE_READERS", 1...64) { configuration.options.storeReaders = readers }
        if let events = integer("AUDITTRAIL_CHECKPOINT_EVENTS", 1...100_000_000) { configuration.checkpoint.events = Int64(events) }
        if let text = value("AUDITTRAIL_CHECKPOINT_SECONDS") {
            if let interval = checkpointInterval(text) {
                configuration.checkpoint.interval = interval
            } else {
                fail("AUDITTRAIL_CHECKPOINT_SECONDS", checkpointIntervalRule)
            }
        }
        if let path = value("AUDITTRAIL_SIGNING_KEY_FILE") { configuration.signingKeyFile = path }
        if let origin = value("AUDITTRAIL_LOG_ORIGIN") {
            if isValidOrigin(origin) { configuration.logOrigin = origin } else { fail("AUDITTRAIL_LOG_ORIGIN", originRule) }
        }
        if let text = value("AUDITTRAIL_RETENTION_DAYS") {
            if let window = try? AuditRetentionWindow(parsing: text) {
                configuration.retention.initialWindow = window
            } else {
                fail("AUDITTRAIL_RETENTION_DAYS", "must be an integer from 1 to 36500, or 0 or off")
            }
        }
        if let text = value("AUDITTRAIL_RETENTION_INTERVAL_SECONDS") {
            if let interval = checkpointInterval(text) {
                configuration.retention.interval = interval
            } else {
                fail("AUDITTRAIL_RETENTION_INTERVAL_SECONDS", checkpointIntervalRule)
            }
        }

        guard errors.isEmpty else {
            let summary = errors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
            throw AuditTrailError(.invalidInput, summary, fieldErrors: errors)
        }
        return configuration
    }
}

extension AuditServerConfiguration {
    /// The rule for the checkpoint interval, as errors state it.
    public static let checkpointIntervalRule = "must be a number of seconds from 0.01 to 86400"
    /// The rule for a log origin, as errors state it.
    public static let originRule = "must be one non-empty line of at most 256 bytes without control characters"

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
