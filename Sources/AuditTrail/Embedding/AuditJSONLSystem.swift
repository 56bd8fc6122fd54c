import Logging
import ServiceLifecycle

/// The audit log with no database: a daily ``AuditJSONLLog`` as the writer's store, for apps that
/// want the tamper-evident files and nothing else (what a daily JSONL logger did, with a chain).
///
/// Produce through ``sink``; verify the files offline with ``AuditJSONLVerifier`` (or
/// `audittrail verify --jsonl DIR`). Run it as one `Service`: on graceful shutdown the writer
/// appends everything it accepted, then the log's file is closed. There are no queries, no
/// checkpoints and no fallback (the files are the store).
///
/// ```swift
/// let audit = try AuditJSONLSystem.open(directory: "logs/audit", logger: logger)
/// let group = ServiceGroup(services: [audit, app], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try audit.sink.enqueue(AuditEventInput(action: "auth.login"))
/// try await group.run()
/// ```
public final class AuditJSONLSystem: Service, Sendable {
    /// The daily files, which are the store.
    public let log: AuditJSONLLog
    /// The batching writer in front of ``log``.
    public let writer: AuditWriter
    /// Where producers send events: the validator in front of ``writer``.
    public let sink: AuditWriterSink

    /// Builds the parts over an opened log.
    public init(
        log: AuditJSONLLog,
        writer configuration: AuditWriter.Configuration = .init(),
        validator: AuditEventValidator = AuditEventValidator(),
        logger: Logger
    ) {
        var configuration = configuration
        // The log is the store: there is nothing to fall back to.
        configuration.fallback = nil
        self.log = log
        self.writer = AuditWriter(store: log, configuration: configuration, logger: logger)
        self.sink = AuditWriterSink(writer: writer, validator: validator)
    }

    /// Opens the log in `directory` (see ``AuditJSONLLog/open(configuration:logger:)``) and
    /// builds the writer and sink over it.
    public static func open(
        directory: String,
        writer: AuditWriter.Configuration = .init(),
        validator: AuditEventValidator = AuditEventValidator(),
        logger: Logger
    ) throws -> AuditJSONLSystem {
        let log = try AuditJSONLLog.open(configuration: .init(directory: directory), logger: logger)
        return AuditJSONLSystem(log: log, writer: writer, validator: validator, logger: logger)
    }

    /// Runs the writer until graceful shutdown; then, with everything appended, closes the log.
    public func run() async throws {
        defer { log.close() }
        try await writer.run()
    }
}
