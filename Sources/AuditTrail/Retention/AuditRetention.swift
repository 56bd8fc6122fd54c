import Logging
import ServiceLifecycle

/// Removes events older than the retention window, in bounded batches, through the one path the
/// store allows (``AuditRetentionStore/removeOldestEvents(through:receivedBefore:limit:at:)``),
/// every ``Configuration/interval`` until graceful shutdown.
///
/// The window is read from the store on every run, so a change (`PUT /v1/retention`,
/// `audittrail retention set`) takes effect at the next run and survives restarts. Only events
/// that a stored checkpoint covers are removed — so the anchor's subtree hashes are always checked
/// against a signed root — and never the newest event. Each batch is one short transaction of at
/// most ``Configuration/batchEvents`` events, so appends wait at most one batch. A run that
/// removed events is recorded as an `audit.retention.run` event through the ``AuditWriter``.
///
/// ```swift
/// let retention = AuditRetention(store: store, writer: writer, validator: validator, logger: logger)
/// // ServiceGroup(services: [storeService, checkpointer, retention, writer, server], …)
/// let run = try await retention.runOnce()   // or one run now, e.g. from the CLI
/// ```
public final class AuditRetention: Service, Sendable {
    /// When and how much to remove.
    public struct Configuration: Sendable {
        /// Time between runs. Default one hour.
        public var interval: Duration = .seconds(3600)
        /// Most events removed per transaction. Default 10,000.
        public var batchEvents: Int = 10_000
        /// The window stored when the store has none yet (`AUDITTRAIL_RETENTION_DAYS`,
        /// `serve --retention-days`). Default 90 days.
        public var initialWindow: AuditRetentionWindow = .default
        /// The current time the window is measured back from (a test may move it). Default: the wall clock.
        public var now: @Sendable () -> AuditTime = { .now() }
        public init() {}
    }

    /// What one run did.
    public struct Run: Sendable, Hashable {
        /// The window in force (off: nothing was looked at).
        public var window: AuditRetentionWindow
        /// Events removed.
        public var removed: Int64
        /// Transactions used.
        public var batches: Int
        /// The newest anchor after the run, if any event was ever removed.
        public var anchor: AuditRetentionAnchor?
        /// The seq of the `audit.retention.run` event, when the run removed events.
        public var recordedSeq: Int64?
        /// The oldest remaining seq (one past the anchor).
        public var firstSeq: Int64 { (anchor?.seq ?? 0) + 1 }
    }

    private let store: any AuditRetentionStore
    private let writer: AuditWriter
    private let validator: AuditEventValidator
    private let producer: AuditProducer
    private let configuration: Configuration
    private let logger: Logger
    /// Where several processes serving one log agree which of them runs retention.
    private let leases: (any AuditLeaseStore)?
    /// The lease retention runs under when several processes serve one log.
    public static let leaseName = "retention"

    /// - Parameters:
    ///   - store: the log to remove from; it also keeps the window.
    ///   - writer: records each run (`audit.retention.run`); it must run in the same service group,
    ///     listed before this service so that it shuts down after it.
    ///   - validator: prepares the recorded events.
    ///   - producer: what the recorded events say wrote them (`server`, `cli:<user>`, `app`).
    ///   - leases: when several processes serve one log (PostgreSQL), only the holder of the
    ///     ``leaseName`` lease runs (each interval, the lease is taken or renewed first). Two runs
    ///     that overlap anyway (a holder slower than its lease) remove nothing twice: each batch
    ///     is one transaction that starts from the stored anchor.
    /// - Throws: `.invalidInput` naming `retention_interval` or `retention_batch`.
    public init(
        store: any AuditRetentionStore,
        writer: AuditWriter,
        validator: AuditEventValidator,
        producer: AuditProducer = .application,
        configuration: Configuration = .init(),
        leases: (any AuditLeaseStore)? = nil,
        logger: Logger
    ) throws(AuditTrailError) {
        guard configuration.interval > .zero else { throw AuditTrailError.invalid("retention_interval", "must be greater than 0") }
        guard configuration.batchEvents >= 1 else { throw AuditTrailError.invalid("retention_batch", "must be at least 1") }
        self.store = store
        self.writer = writer
        self.validator = validator
        self.producer = producer
        self.configuration = configuration
        self.leases = leases
        self.logger = logger
    }

    /// Stores the initial window when the store has none, then runs every interval until
    /// graceful shutdown. A failed run is logged and tried again at the next interval.
    public func run() async throws {
        do {
            try await store.setRetentionWindow(configuration.initialWindow, replacing: false)
        } catch {
            // Each run falls back to the initial window while none is stored.
            logger.warning(
                "audit retention could not store its initial window",
                metadata: [
                    "error": "\((error as? AuditTrailError)?.message ?? String(describing: type(of: error)))"
                ]
            )
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: self.configuration.interval) } catch { return }
                do {
                    if let leases = self.leases, try await !leases.acquireLease(Self.leaseName) { continue }
                    _ = try await self.runOnce()
                } catch {
                    self.logger.warning(
                        "audit retention run failed; will retry",
                        metadata: [
                            "error": "\((error as? AuditTrailError)?.message ?? String(describing: type(of: error)))"
                        ]
                    )
                }
            }
        }
        try? await leases?.releaseLease(Self.leaseName)
    }

    /// One run now: removes, batch by batch, the events received before `now` minus the window
    /// that a stored checkpoint covers, then records the run as an event (every run while a
    /// window is set, also one that removed nothing).
    /// - Parameter now: the time the window is measured back from; default ``Configuration/now``.
    public func runOnce(now: AuditTime? = nil) async throws -> Run {
        let now = now ?? configuration.now()
        let window = try await store.retentionWindow() ?? configuration.initialWindow
        var run = Run(window: window, removed: 0, batches: 0, anchor: try await store.retentionAnchor(), recordedSeq: nil)
        guard let cutoff = window.cutoff(now: now) else { return run }
        // Only what a signed checkpoint vouches for, so the anchor is checked against a signed root.
        let through = try await store.latestCheckpoint()?.treeSize ?? 0
        // On cancellation (graceful shutdown) it stops between batches and still records what it removed.
        while through > 0, !Task.isCancelled {
            guard
                let anchor = try await store.removeOldestEvents(
                    through: through,
                    receivedBefore: cutoff,
                    limit: configuration.batchEvents,
                    at: .now()
                )
            else { break }
            run.removed += anchor.seq - (run.anchor?.seq ?? 0)
            run.batches += 1
            run.anchor = anchor
        }
        if run.removed > 0 {
            logger.info(
                "audit retention removed events",
                metadata: [
                    "audit.retention.removed": "\(run.removed)", "audit.retention.first_seq": "\(run.firstSeq)",
                    "audit.retention.days": "\(window.days ?? 0)",
                ]
            )
        }
        // Every run with a window is recorded, also one that found nothing to remove: the log
        // shows that retention ran, and what it did.
        let event = try validator.prepare(
            AuditEventInput(
                action: "audit.retention.run",
                actor: Self.actor,
                resource: .init(type: "audit_log", id: "events"),
                metadata: .object([
                    "removed": .int(run.removed), "first_seq": .int(run.firstSeq),
                    "removed_through_seq": run.anchor.map { .int($0.seq) } ?? .null, "window_days": .int(Int64(window.days ?? 0)),
                    "batches": .int(Int64(run.batches)),
                ])
            ),
            producer: producer
        )
        run.recordedSeq = try await writer.append(event).seq
        return run
    }

    /// The actor of the events retention records.
    public static let actor = AuditEvent.Actor(id: "audittrail.retention", name: "retention", type: "system")
}
