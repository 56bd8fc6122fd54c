import Logging
import ServiceLifecycle
import Synchronization

/// Runs every stream of the log (``AuditStreamCatalog``): for each, a loop that reads the next
/// batch after the stream's position (``AuditExporter/startBatch(parameters:after:maxEvents:freshBeyond:)``),
/// hands it to the destination, and moves the stored position only once the destination
/// acknowledged it — so delivery is at least once, in seq order, and a restart, a crash or a
/// destination outage resumes where the stream stopped (a backfill, batch after batch).
///
/// A caught-up stream sleeps on the ``AuditCommitSignal`` (at most ``Configuration/poll``), then
/// lingers ``AuditStreamDefinition/lingerMilliseconds`` so that a trickle goes out in fuller
/// batches. A failed delivery is retried with exponential back-off (with jitter) from
/// ``Configuration/minBackoff`` to ``Configuration/maxBackoff``; a stream failing longer than
/// ``Configuration/alertAfter`` records one `security.alert` event, and `audit.stream.recovered`
/// once it delivers again. Deliveries never touch the writer: ingest does not wait for a slow
/// destination.
///
/// Definitions are re-read every ``Configuration/reload`` (or at once after ``reload()``), so a
/// stream created or deleted on any server instance starts or stops on every one; with
/// ``AuditLeaseStore`` leases (PostgreSQL) only the holder of `stream.<id>` delivers it.
///
/// ```swift
/// let runner = AuditStreamRunner(catalog: AuditStreamCatalog(store: store), exporter: exporter,
///                                commits: parts.commits, recorder: sink, makeDestination: make, logger: logger)
/// // ServiceGroup(services: [storeService, checkpointer, writer, runner, server], …)
/// ```
public final class AuditStreamRunner: Service, Sendable {
    /// How often and how patiently.
    public struct Configuration: Sendable {
        /// How often the definitions are re-read. Default 2 s.
        public var reload: Duration = .seconds(2)
        /// How long a caught-up stream sleeps without a commit signal before it looks again
        /// (commits of other instances). Default 1 s.
        public var poll: Duration = .seconds(1)
        /// A stream failing this long records a `security.alert`. Default 5 minutes.
        public var alertAfter: Duration = .seconds(300)
        /// The first retry's delay. Default 250 ms.
        public var minBackoff: Duration = .milliseconds(250)
        /// The longest delay between retries. Default 30 s.
        public var maxBackoff: Duration = .seconds(30)
        /// Most streams reading and delivering a batch at once (the others wait their turn), so
        /// that many streams backfilling together do not starve the server's readers. Default 4.
        public var concurrentDeliveries = 4
        public init() {}
    }

    /// Makes the destination of a stream (the server's: webhook, syslog, files).
    public typealias DestinationFactory = @Sendable (AuditStreamDefinition) throws -> any AuditStreamDestination

    struct State {
        /// The ids the catalog holds now.
        var defined: Set<String> = []
        /// The ids with a loop running in this process.
        var running: Set<String> = []
        /// The positions of the streams this process delivers now.
        var positions: [String: AuditStreamPosition] = [:]
        /// Streams reading or delivering a batch now (at most ``Configuration/concurrentDeliveries``).
        var delivering = 0
    }

    let catalog: AuditStreamCatalog
    let exporter: AuditExporter
    let commits: AuditCommitSignal
    let recorder: any AuditEventSink
    let leases: (any AuditLeaseStore)?
    let makeDestination: DestinationFactory
    let configuration: Configuration
    let logger: Logger
    let state = Mutex(State())
    /// Signalled by ``reload()``: the definitions' loop waits on it (the one wake-up mechanism).
    let reloads = AuditCommitSignal()

    /// - Parameters:
    ///   - recorder: records `security.alert` and `audit.stream.recovered` (the server's sink).
    ///   - leases: when several processes serve the log, only the holder of `stream.<id>`
    ///     delivers that stream.
    public init(
        catalog: AuditStreamCatalog,
        exporter: AuditExporter,
        commits: AuditCommitSignal,
        recorder: any AuditEventSink,
        leases: (any AuditLeaseStore)? = nil,
        configuration: Configuration = .init(),
        makeDestination: @escaping DestinationFactory,
        logger: Logger
    ) {
        self.catalog = catalog
        self.exporter = exporter
        self.commits = commits
        self.recorder = recorder
        self.leases = leases
        self.configuration = configuration
        self.makeDestination = makeDestination
        self.logger = logger
    }

    /// The actor of the events streams record.
    public static let actor = AuditEvent.Actor(id: "audittrail.streams", name: "streams", type: "system")

    /// The positions of the streams this process delivers now, by id.
    public var positions: [String: AuditStreamPosition] { state.withLock { $0.positions } }

    /// Re-reads the definitions now (after a stream was created or deleted here).
    public func reload() { reloads.committed(through: reloads.latestSeq + 1) }

    /// Starts and stops stream loops as definitions come and go, until graceful shutdown.
    public func run() async throws {
        let wake = reloads.subscribe(counted: false)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    // Taken before the read, so a reload() during it is not missed.
                    let seen = self.reloads.latestSeq
                    do {
                        let streams = try await self.catalog.streams()
                        let started = self.state.withLock { state in
                            state.defined = Set(streams.map(\.definition.id))
                            let new = streams.filter { !state.running.contains($0.definition.id) }
                            for stream in new { state.running.insert(stream.definition.id) }
                            return new
                        }
                        for stream in started {
                            group.addTask { await self.deliver(stream.definition) }
                        }
                    } catch {
                        if Task.isCancelled { break }
                        self.logger.warning("audit streams: could not read the definitions", metadata: ["audit.error": "\(error)"])
                    }
                    await wake.wait(beyond: seen, timeout: self.configuration.reload)
                }
                wake.stop()
                group.cancelAll()
            }
        }
    }

    /// Waits for a delivery slot (false: cancelled meanwhile); give it back with ``endDelivery()``.
    func beginDelivery() async -> Bool {
        while !Task.isCancelled {
            let taken = state.withLock { state in
                guard state.delivering < max(1, configuration.concurrentDeliveries) else { return false }
                state.delivering += 1
                return true
            }
            if taken { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    func endDelivery() { state.withLock { $0.delivering -= 1 } }

    func isDefined(_ id: String) -> Bool { state.withLock { $0.defined.contains(id) } }

    func publish(_ id: String, _ position: AuditStreamPosition?) {
        state.withLock { $0.positions[id] = position }
    }
}
