import AuditTrail
import Logging
import ServiceLifecycle
import Synchronization

/// Ships audit events to an AuditTrail server through a durable local spool: an
/// ``AuditTrail/AuditEventSink`` for apps whose log lives on another machine.
///
/// Each event is validated with the core ``AuditTrail/AuditEventValidator`` (secrets redacted
/// before anything touches the disk), given an id (UUIDv7) and a time when it has none, and
/// appended to the ``AuditClientSpool``. ``write(_:)`` returns once the line is fsynced —
/// concurrent writers share one fsync; ``enqueue(_:)`` returns at once and its event is durable
/// after the next group fsync, which the sender runs within ``Configuration/flushInterval``.
///
/// ``run()`` (a `Service`) reads the spool in order and posts NDJSON batches of up to
/// ``Configuration/batchSize`` events to `POST /v1/events/batch`, one at a time so that the
/// store keeps the spool's order. A 2xx moves the spool's acknowledgement; 503/429 waits for
/// `Retry-After`; a network error or 5xx retries with exponential backoff and full jitter; a
/// 4xx for a batch is split in halves until the refused event is alone, and that event is moved
/// to `rejected-*.jsonl` with the server's error. After a crash or a restart everything after the
/// acknowledgement is sent again; the ids make that idempotent, so every event is stored exactly
/// once, in order. When the spool is full both entrances throw `.overloaded`; nothing is dropped.
///
/// Every ``Configuration/consistencyCheckInterval`` the client proves with the server's newest
/// signed checkpoint that the log still extends the one it saw before (``AuditCheckpointTracker``).
///
/// ```swift
/// let client = try AuditClient(configuration: .init(server: "https://audit:8443", apiKey: key,
///                                                    spoolDirectory: "/var/spool/app-audit"),
///                              logger: logger)
/// let group = ServiceGroup(services: [client], logger: logger)   // run() ships the spool
/// try await client.write(AuditEventInput(action: "data.export", actor: .init(id: "u-7")))
/// ```
public final class AuditClient: Service, AuditEventSink {
    /// The configuration this client was made with.
    public let configuration: Configuration
    /// The durable outbox.
    public let spool: AuditClientSpool
    /// The HTTP layer (one shared `HTTPClient`, shut down when ``run()`` ends).
    public let connection: AuditServerConnection
    /// The consistency checker.
    public let checkpoints: AuditCheckpointTracker
    let validator: AuditEventValidator
    let logger: Logger
    let statusBox = Mutex(Status())

    /// Opens the spool (resuming from its acknowledgement) and prepares the connection.
    ///
    /// - Throws: ``AuditClientError`` for a bad server URL, an unreadable CA file, or a spool
    ///   that cannot be opened or is used by another process.
    public init(configuration: Configuration, logger: Logger) throws(AuditClientError) {
        self.configuration = configuration
        self.logger = logger
        validator = AuditEventValidator(configuration: configuration.validator)
        spool = try AuditClientSpool(configuration: configuration.spool, logger: logger)
        checkpoints = try AuditCheckpointTracker(
            file: configuration.spoolDirectory + "/checkpoint.json",
            publicKey: configuration.checkpointPublicKey
        )
        connection = try AuditServerConnection(configuration: configuration.connection)
    }

    /// What the client has done so far and its last errors.
    public var status: Status { statusBox.withLock { $0 } }

    /// Validates the event and appends it to the spool without waiting for an fsync: the
    /// fail-open path. The event is durable after the next group fsync, at most
    /// ``Configuration/flushInterval`` later (a crash before that may lose it).
    ///
    /// - Throws: `.invalidInput`/`.tooLarge` naming the field, `.overloaded` when the spool is
    ///   full, `.shuttingDown` after ``run()`` ended.
    public func enqueue(_ input: AuditEventInput) throws(AuditTrailError) {
        _ = try spool.append(spoolLine(input))
    }

    /// Validates the event, appends it to the spool and returns once it is fsynced: the
    /// fail-closed path. From then on it will reach the server exactly once, across crashes.
    ///
    /// - Throws: as ``enqueue(_:)``, or ``AuditClientError/Code/spoolFailure`` when fsync fails.
    public func write(_ input: AuditEventInput) async throws {
        try await spool.waitUntilDurable(spool.append(spoolLine(input)))
    }

    /// ``write(_:)`` that returns the id the event is stored under (the producer's, or the one
    /// given here), for callers that want to look it up later.
    public func writeReturningID(_ input: AuditEventInput) async throws -> String {
        let line = try validatedLine(input)
        try await spool.waitUntilDurable(spool.append(line.bytes))
        return line.id
    }

    /// The validated event's line and id.
    private func validatedLine(_ input: AuditEventInput) throws(AuditTrailError) -> (bytes: [UInt8], id: String) {
        let event = try validator.validate(input)
        return (AuditEventInput(event).jsonBytes, event.id)
    }

    private func spoolLine(_ input: AuditEventInput) throws(AuditTrailError) -> [UInt8] {
        try validatedLine(input).bytes
    }

    /// Fetches the server's newest checkpoint and proves that it extends the one seen before
    /// (and is signed by ``Configuration/checkpointPublicKey`` when set); updates ``status``.
    ///
    /// - Throws: ``AuditClientError`` `.inconsistentLog` or `.badSignature`, or the request's error.
    @discardableResult
    public func verifyLog() async throws(AuditClientError) -> AuditCheckpoint? {
        do throws(AuditClientError) {
            let checkpoint = try await checkpoints.check(using: connection)
            statusBox.withLock { s in
                s.consistencyError = nil
                if let checkpoint { s.verifiedTreeSize = checkpoint.size }
            }
            return checkpoint
        } catch {
            if error.code == .inconsistentLog || error.code == .badSignature {
                logger.error("audit log consistency check failed", metadata: ["audit.error": "\(error.message)"])
                statusBox.withLock { $0.consistencyError = error.message }
            }
            throw error
        }
    }

    /// Ships the spool until cancelled or a graceful shutdown; then fsyncs what was enqueued,
    /// closes the spool (later `enqueue`/`write` throw `.shuttingDown`) and shuts the
    /// `HTTPClient` down. What is not yet delivered stays in the spool for the next run.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                // The group fsync for `enqueue` runs on its own beat, so that a batch stuck in
                // retries (a server down for minutes) does not leave enqueued lines unsynced.
                group.addTask { await self.syncLoop() }
                await self.sendLoop()
                group.cancelAll()
            }
        }
        try? await spool.syncAll()
        spool.close()
        try await connection.shutdown()
    }
}
