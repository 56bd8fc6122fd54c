import Logging
import ServiceLifecycle
import Synchronization

/// Signs the log's tree head every N events or T seconds — whichever comes first, and only when
/// the tree grew — and once more on graceful shutdown, storing each C2SP checkpoint in the store.
///
/// It only reads the store (the head, then O(log n) stored subtree hashes for the root) and
/// writes a checkpoint row; it never takes part in an append, so the writer is never slowed or
/// blocked by it. Before signing it checks that the new tree is an extension of the last signed
/// one (a consistency proof from the stored hashes), so a log changed under a running server is
/// never signed over. Wire ``writerObserver`` into the ``AuditWriter`` so that "every N events"
/// reacts to commits at once; without it the log is still looked at every ``Configuration/interval``.
///
/// ```swift
/// let checkpointer = AuditCheckpointer(store: store, signer: signer, origin: "audittrail/\(try await store.logID())", logger: logger)
/// let writer = AuditWriter(store: store, logger: logger, observers: [checkpointer.writerObserver])
/// // ServiceGroup(services: [storeService, checkpointer, writer, server], …): shuts down after the writer.
/// ```
public final class AuditCheckpointer: Service, Sendable {
    /// When to sign.
    public struct Configuration: Sendable {
        /// Sign once this many events were appended since the last checkpoint. Default 1,000.
        public var events: Int64 = 1000
        /// Sign at least this often while the log grows. Default 10 seconds.
        public var interval: Duration = .seconds(10)
        /// How often the in-memory commit counter is looked at (no store read unless a checkpoint
        /// is due). Default 10 ms — short enough that "every N events" holds at tens of thousands
        /// of events per second (one checkpoint per commit when a commit holds more than N) —
        /// never more than ``interval``.
        public var tick: Duration = .milliseconds(10)
        public init() {}
    }

    private struct State {
        /// The tree size of the newest stored checkpoint (-1 before it is read).
        var signedSize: Int64 = -1
        /// The newest seq the writer reported committed.
        var committedSeq: Int64 = 0
        var lastAttempt: ContinuousClock.Instant
    }

    private let store: any AuditCheckpointStore
    private let signer: AuditSigner
    private let origin: String
    private let configuration: Configuration
    private let logger: Logger
    private let state: Mutex<State>
    /// Where several processes serving one log agree which of them signs (nil: this one always does).
    private let leases: (any AuditLeaseStore)?
    /// The lease a checkpointer signs under when several processes serve one log.
    public static let leaseName = "checkpointer"

    /// - Parameters:
    ///   - origin: the checkpoint's origin line (the log's name), e.g. `audittrail/<log id>`.
    ///   - leases: when several processes serve one log (PostgreSQL), only the holder of the
    ///     ``leaseName`` lease signs; the others check again at each interval and take over when
    ///     the holder stops renewing it. Every process must sign with the same key.
    public init(
        store: any AuditCheckpointStore,
        signer: AuditSigner,
        origin: String,
        configuration: Configuration = .init(),
        leases: (any AuditLeaseStore)? = nil,
        logger: Logger
    ) throws(AuditTrailError) {
        guard AuditCheckpoint.isValidLine(origin) else {
            throw AuditTrailError.invalid("origin", "must be a non-empty line without control characters")
        }
        guard configuration.events >= 1 else { throw AuditTrailError.invalid("checkpoint_events", "must be at least 1") }
        guard configuration.interval > .zero else { throw AuditTrailError.invalid("checkpoint_seconds", "must be greater than 0") }
        self.store = store
        self.signer = signer
        self.origin = origin
        self.configuration = configuration
        self.leases = leases
        self.logger = logger
        self.state = Mutex(State(lastAttempt: .now))
    }

    /// Tells the checkpointer that events up to `seq` are committed; never blocks.
    public func committed(upTo seq: Int64) {
        state.withLock { $0.committedSeq = max($0.committedSeq, seq) }
    }

    /// An ``AuditWriter`` observer that reports every commit to ``committed(upTo:)``.
    public var writerObserver: AuditWriter.Observer {
        { [weak self] commit in self?.committed(upTo: commit.lastSeq) }
    }

    /// Signs when due until graceful shutdown, then signs the final tree once more.
    public func run() async throws {
        await checkpointLogged()
        let tick = min(configuration.tick, configuration.interval)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: tick) } catch { break }
                if self.isDue() { await self.checkpointLogged() }
            }
        }
        await checkpointLogged(final: true)
        if let leases {
            do {
                try await leases.releaseLease(Self.leaseName)
            } catch {
                logger.warning("audit checkpointer could not give its lease up", metadata: ["error": "\(error)"])
            }
        }
    }

    private func isDue() -> Bool {
        state.withLock { state in
            state.committedSeq - state.signedSize >= configuration.events
                || ContinuousClock.now - state.lastAttempt >= configuration.interval
        }
    }

    /// Signs when the tree grew; `final`: the one at shutdown, logged at notice with the tree size
    /// the log ends at (signed now, or already).
    private func checkpointLogged(final: Bool = false) async {
        do {
            if let made = try await checkpoint() {
                logger.log(
                    level: final ? .notice : .debug,
                    final ? "audit final checkpoint signed" : "audit checkpoint signed",
                    metadata: ["audit.checkpoint.size": "\(made.treeSize)"]
                )
            } else if final {
                let size = state.withLock { $0.signedSize }
                logger.notice("audit final checkpoint: the latest one already covers the log", metadata: ["audit.checkpoint.size": "\(size)"])
            }
        } catch {
            // A service cancelled outright (not shut down gracefully) cannot sign its final tree:
            // the store refuses work for a cancelled task. That is the canceller's choice, not a fault.
            if Task.isCancelled {
                logger.debug("audit checkpoint skipped: the checkpointer was cancelled")
                return
            }
            // Retried after the interval, not at every commit.
            state.withLock { $0.signedSize = max($0.signedSize, $0.committedSeq) }
            logger.error("audit checkpoint failed", metadata: ["error": "\(error)"])
        }
    }

    /// Signs and stores a checkpoint of the current tree if it grew since the last one (and, with
    /// leases, if this process holds the signing lease).
    ///
    /// - Returns: the new checkpoint, or nil when the tree did not grow or another process signs.
    /// - Throws: `.tampered` when the stored tree is not an extension of the last checkpoint.
    @discardableResult
    public func checkpoint() async throws -> AuditStoredCheckpoint? {
        state.withLock { $0.lastAttempt = .now }
        if let leases, try await !leases.acquireLease(Self.leaseName) {
            // Another process signs: look again at the next interval, not at every commit.
            state.withLock { $0.signedSize = max($0.signedSize, $0.committedSeq) }
            return nil
        }
        let latest = try await store.latestCheckpoint()
        let size = try await store.head().seq
        let signed = latest?.treeSize ?? 0
        state.withLock {
            $0.signedSize = signed
            $0.committedSeq = max($0.committedSeq, size)
        }
        guard size > signed || latest == nil && size > 0 else { return nil }
        let root = try await store.root(size: size)
        if let latest, latest.treeSize > 0 {
            let proof = try await store.consistencyProof(from: latest.treeSize, to: size)
            try AuditMerkle.verifyConsistency(from: latest.treeSize, to: size, oldRoot: latest.rootHash, newRoot: root, proof: proof)
        }
        let time = AuditTime.now()
        let note = try AuditCheckpoint(origin: origin, size: size, rootHash: root, time: time).signedNote(signer: signer)
        let checkpoint = AuditStoredCheckpoint(treeSize: size, rootHash: root, time: time, note: note)
        guard try await store.storeCheckpoint(checkpoint) else { return nil }
        state.withLock { $0.signedSize = max($0.signedSize, size) }
        return checkpoint
    }
}
