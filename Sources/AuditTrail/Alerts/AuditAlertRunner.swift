import Logging
import ServiceLifecycle
import Synchronization

/// Evaluates every enabled alert rule (``AuditAlertCatalog``) on the events the log commits:
/// each rule follows the events matching its query (``AuditFollower``, woken by the
/// ``AuditCommitSignal``), so an event is read once per rule whose query it matches — no
/// re-query per event — and feeds its ``AuditAlertWindow``. A firing is recorded through the
/// writer as `security.alert` (durably, with the triggering seqs), then, when the rule has a
/// webhook, POSTed there by a queue of its own that retries with back-off: a slow or dead
/// webhook never slows ingest or evaluation.
///
/// A rule starts at the log's head when it is first seen (it does not fire on the past), and
/// keeps how far it evaluated and which groups fired lately (``AuditAlertState``), so a restart
/// neither misses events nor fires a group twice in one window; the window's counts are rebuilt
/// from the events of the last window (a `new_value` rule's seen values from all its events).
/// On a shared PostgreSQL log one server evaluates each rule (a lease, `alert.<id>`).
public final class AuditAlertRunner: Service, Sendable {
    public struct Configuration: Sendable {
        /// How often the rules are re-read. Default 2 s.
        public var reload: Duration = .seconds(2)
        /// How long a caught-up rule waits without a commit signal. Default 1 s.
        public var poll: Duration = .seconds(1)
        /// The longest wait between two attempts to notify a webhook. Default 30 s.
        public var maxBackoff: Duration = .seconds(30)
        public init() {}
    }

    /// POSTs `body` to `url`, signed with `secret`; throws unless the receiver took it.
    public typealias Notifier = @Sendable (_ url: String, _ secret: String, _ body: [UInt8]) async throws -> Void

    struct State {
        var defined: [String: AuditAlertRule] = [:]
        var running: Set<String> = []
        var states: [String: AuditAlertState] = [:]
    }

    let catalog: AuditAlertCatalog
    let store: any AuditLogStore
    let writer: AuditWriter
    let validator: AuditEventValidator
    let producer: AuditProducer
    let commits: AuditCommitSignal
    let leases: (any AuditLeaseStore)?
    let notify: Notifier
    let configuration: Configuration
    let logger: Logger
    let state = Mutex(State())
    let wake = AuditCommitSignal()

    public init(
        store: any AuditLogStore,
        writer: AuditWriter,
        validator: AuditEventValidator,
        producer: AuditProducer,
        commits: AuditCommitSignal,
        leases: (any AuditLeaseStore)? = nil,
        configuration: Configuration = .init(),
        notify: @escaping Notifier,
        logger: Logger
    ) {
        self.catalog = AuditAlertCatalog(store: store)
        self.store = store
        self.writer = writer
        self.validator = validator
        self.producer = producer
        self.commits = commits
        self.leases = leases
        self.configuration = configuration
        self.notify = notify
        self.logger = logger
    }

    /// The actor of the alerts rules record.
    public static let actor = AuditEvent.Actor(id: "audittrail.alerts", name: "alert rules", type: "system")

    /// The states of the rules this process evaluates now, by id.
    public var states: [String: AuditAlertState] { state.withLock { $0.states } }

    /// Re-reads the rules now (after one was created, switched or deleted here).
    public func reload() { wake.committed(through: wake.latestSeq + 1) }

    public func run() async throws {
        let reloads = wake.subscribe(counted: false)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    // Taken before the read, so a reload() during it is not missed.
                    let seen = self.wake.latestSeq
                    do {
                        let rules = try await self.catalog.rules().filter { $0.enabled && $0.id != AuditAlertRule.keyNewAddressID }
                        let started = self.state.withLock { state in
                            state.defined = Dictionary(uniqueKeysWithValues: rules.map { ($0.id, $0) })
                            let new = rules.filter { !state.running.contains($0.id) }
                            for rule in new { state.running.insert(rule.id) }
                            return new
                        }
                        for rule in started { group.addTask { await self.evaluate(rule) } }
                    } catch {
                        if Task.isCancelled { break }
                        self.logger.warning("audit alerts: could not read the rules", metadata: ["audit.error": "\(error)"])
                    }
                    await reloads.wait(beyond: seen, timeout: self.configuration.reload)
                }
                reloads.stop()
                group.cancelAll()
            }
        }
    }

    /// Whether `rule` is still defined and unchanged.
    func isCurrent(_ rule: AuditAlertRule) -> Bool { state.withLock { $0.defined[rule.id] == rule } }
}
