import AuditTrail
import AuditTrailHummingbird

/// The live tail's settings (`GET /v1/stream`, ``AuditTailOptions``), and the write timeout that
/// ends any response a client stopped taking.
extension AuditServerSetting {
    /// `--write-timeout`, `AUDITTRAIL_WRITE_TIMEOUT`.
    package static let writeTimeout = AuditServerSetting(
        flag: "write-timeout",
        variable: "AUDITTRAIL_WRITE_TIMEOUT",
        valueName: "seconds",
        help:
            "Close a connection whose client takes none of its response for this long (a live tail or an export to a client that stopped reading); reading slowly restarts the clock.",
        rule: .seconds,
        keyPath: \.options.writeTimeout
    )

    /// `--tail-heartbeat`, `AUDITTRAIL_TAIL_HEARTBEAT`.
    package static let tailHeartbeat = AuditServerSetting(
        flag: "tail-heartbeat",
        variable: "AUDITTRAIL_TAIL_HEARTBEAT",
        valueName: "seconds",
        help: "A live tail (/v1/stream) with nothing to send sends a heartbeat comment with its position this often, so proxies keep it open.",
        rule: .seconds,
        keyPath: \.options.tail.heartbeat
    )

    /// `--tail-poll`, `AUDITTRAIL_TAIL_POLL`.
    package static let tailPoll = AuditServerSetting(
        flag: "tail-poll",
        variable: "AUDITTRAIL_TAIL_POLL",
        valueName: "seconds",
        help:
            "How often a waiting live tail looks for events no commit of this server woke it for (those other servers append to a shared PostgreSQL log).",
        rule: .seconds,
        keyPath: \.options.tail.poll
    )

    /// `--tail-max-lag`, `AUDITTRAIL_TAIL_MAX_LAG`.
    package static let tailMaxLag = AuditServerSetting(
        flag: "tail-max-lag",
        variable: "AUDITTRAIL_TAIL_MAX_LAG",
        valueName: "seconds",
        help:
            "A live tail that had caught up and then falls further behind than this is told so in a final disconnect event and closed (it resumes with Last-Event-ID).",
        rule: .seconds,
        keyPath: \.options.tail.maxLag
    )

    /// `--tail-max-streams`, `AUDITTRAIL_TAIL_MAX_STREAMS`.
    package static let tailMaxStreams = AuditServerSetting(
        flag: "tail-max-streams",
        variable: "AUDITTRAIL_TAIL_MAX_STREAMS",
        valueName: "n",
        help: "Most live tails at once; one more is answered 503 with Retry-After.",
        rule: .integer(1...100_000),
        keyPath: \.options.tail.maxStreams
    )
}

/// The streams' settings (`/v1/streams`, ``AuditStreamRunner``).
extension AuditServerSetting {
    /// `--stream-files-dir`, `AUDITTRAIL_STREAM_FILES_DIR`.
    package static let streamFilesDir = AuditServerSetting(
        flag: "stream-files-dir",
        variable: "AUDITTRAIL_STREAM_FILES_DIR",
        valueName: "path",
        help: "The directory a files stream's directory is made in (a stream cannot write outside it).",
        rule: Rule<String>.path.optional,
        keyPath: \.options.streamFilesRoot,
        defaultText: "streams in the data directory"
    )

    /// `--stream-ca-file`, `AUDITTRAIL_STREAM_CA_FILE`.
    package static let streamCAFile = AuditServerSetting(
        flag: "stream-ca-file",
        variable: "AUDITTRAIL_STREAM_CA_FILE",
        valueName: "path",
        help: "Also trust the certificate authorities in this PEM file for HTTPS webhooks and syslog over TLS.",
        rule: Rule<String>.path.optional,
        keyPath: \.options.streamCAFile,
        defaultText: "the system's roots only"
    )

    /// `--stream-alert-after`, `AUDITTRAIL_STREAM_ALERT_AFTER`.
    package static let streamAlertAfter = AuditServerSetting(
        flag: "stream-alert-after",
        variable: "AUDITTRAIL_STREAM_ALERT_AFTER",
        valueName: "seconds",
        help: "A stream whose deliveries fail for this long records a security.alert event (once, until it delivers again).",
        rule: .seconds,
        keyPath: \.options.streams.alertAfter
    )

    /// `--stream-max-backoff`, `AUDITTRAIL_STREAM_MAX_BACKOFF`.
    package static let streamMaxBackoff = AuditServerSetting(
        flag: "stream-max-backoff",
        variable: "AUDITTRAIL_STREAM_MAX_BACKOFF",
        valueName: "seconds",
        help: "The longest wait between two delivery attempts of a failing stream (the wait doubles from 0.25 s).",
        rule: .seconds,
        keyPath: \.options.streams.maxBackoff
    )
}
