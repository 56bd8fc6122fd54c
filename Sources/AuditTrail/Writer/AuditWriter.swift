import Logging
import ServiceLifecycle
import Synchronization

/// The batching writer: a bounded queue in front of the store with group commit.
///
/// Callers that `await` ``append(_:)`` get their seq only after the transaction holding their
/// event has committed (durable acknowledgement). Events that arrive while a transaction commits
/// form the next one, so many callers share one commit. When the queue is full, appends throw
/// ``AuditTrailError/Code/overloaded`` at once — the writer never blocks a caller and never drops
/// an event it accepted. On graceful shutdown it commits everything queued, then returns.
///
/// With a ``Configuration/fallback`` directory, a group whose commit still fails after its
/// retries is written to a daily JSONL log there instead (fsynced) and its callers succeed with
/// results marked ``AuditAppendResult/spilled``. From then on new groups go straight to that log,
/// behind the spilled ones, without trying the store; a loop in ``run()`` replays the log into
/// the store as soon as an append succeeds again (backing off between attempts), and the writer
/// returns to the store once the replay has caught up. **Ordering**: events reach the store in
/// the order the writer accepted them (per producer and overall), spilled or not. A restart
/// resumes a replay where it stopped; a replay repeated after a crash stores nothing twice
/// (see `AuditWriterFallback`).
///
/// ```swift
/// let writer = AuditWriter(store: store, logger: logger)
/// // in a ServiceGroup with the rest of the app:
/// let result = try await writer.append(validator.prepare(.init(action: "user.login")))
/// ```
public final class AuditWriter: Service, Sendable {
    /// The writer's limits, retries and fallback.
    public struct Configuration: Sendable {
        /// Most events waiting (queued plus committing) before appends are refused. Default 200,000.
        public var capacity: Int = 200_000
        /// Most events in one transaction. Default 10,000.
        public var maxBatchEvents: Int = 10_000
        /// Times a failed commit is retried before its callers get the error (or, with a
        /// ``fallback``, before the group is spilled). Default 2.
        public var commitRetries: Int = 2
        /// Where groups go when the store is down; nil (the default): nowhere, the callers get the error.
        public var fallback: Fallback?
        /// How long an event queued with ``AuditWriter/record(_:)`` (fire and forget: nobody waits
        /// for its commit) may wait for company before an idle writer is woken. Events recorded
        /// within it share one wake-up and one commit, so the code that records (a request's
        /// middleware) pays no thread wake-up per event. Awaited appends, and a queue of
        /// ``lingerWakeEvents`` or more, wake the writer at once; `.zero` wakes it for every
        /// record. Default 1 ms.
        public var recordLinger: Duration = .milliseconds(1)
        /// Queued events that end a linger at once. Default 512.
        public var lingerWakeEvents: Int = 512
        /// The defaults above.
        public init() {}
    }

    /// One committed transaction, reported to observers.
    public struct Commit: Sendable {
        /// The first new seq (0 when nothing new was stored).
        public var firstSeq: Int64
        /// The last new seq (0 when nothing new was stored).
        public var lastSeq: Int64
        /// Events committed (new ones; idempotent re-sends are not counted).
        public var count: Int
        /// Events handed to the store, including re-sends.
        public var submitted: Int
        /// How long the store's append took.
        public var duration: Duration
        /// Events queued after it.
        public var queueDepth: Int
    }

    /// Told of every commit to the store, on the writer's task: must not block.
    public typealias Observer = @Sendable (Commit) -> Void

    struct Pending {
        var events: [PreparedAuditEvent]
        var continuation: CheckedContinuation<[AuditAppendResult], any Error>?
    }

    struct State {
        var queue: [Pending] = []
        var queuedEvents = 0
        var inFlight = 0
        var waiter: CheckedContinuation<Void, Never>?
        /// The linger timer's task, parked until a record needs it (``lingerLoop()``).
        var lingerTimer: CheckedContinuation<Bool, Never>?
        /// Whether the linger timer runs: the writer is woken when it ends.
        var lingering = false
        var stopping = false
        var stopped = false
        /// Events committed since ``stop()`` (the drain), and the newest seq committed.
        var drained = 0
        var lastSeq: Int64 = 0
    }

    let store: any AuditStoreAppender
    let configuration: Configuration
    let logger: Logger
    let observers: [Observer]
    let state = Mutex(State())

    /// A writer in front of `store` (any ``AuditStore``, or an append-only log such as
    /// ``AuditJSONLLog``); `observers` are told of every commit to the store.
    public init(store: any AuditStoreAppender, configuration: Configuration = .init(), logger: Logger, observers: [Observer] = []) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.observers = observers
    }

    /// Events queued or committing right now.
    public var queueDepth: Int { state.withLock { $0.queuedEvents + $0.inFlight } }

    /// Whether the writer waits for events (nothing queued, nothing committing).
    package var isIdle: Bool { state.withLock { $0.waiter != nil } }

    /// Appends one event and returns after it is committed.
    public func append(_ event: PreparedAuditEvent) async throws -> AuditAppendResult {
        try await append(contentsOf: [event])[0]
    }

    /// Appends events atomically (one transaction, consecutive seqs for the new ones) and returns
    /// after commit, one result per event.
    public func append(contentsOf events: [PreparedAuditEvent]) async throws -> [AuditAppendResult] {
        try await append(contentsOf: events, whenQueued: {})
    }

    /// ``append(contentsOf:)`` that calls `whenQueued` as soon as the events hold their place in
    /// the queue (before the commit; not when the queue refuses them). Whatever is queued after
    /// that call is stored after these events: the server keeps a producer's stream in order with it.
    public func append(
        contentsOf events: [PreparedAuditEvent],
        whenQueued: () -> Void
    ) async throws -> [AuditAppendResult] {
        guard !events.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            if let error = enqueue(Pending(events: events, continuation: continuation)) {
                continuation.resume(throwing: error)
            } else {
                whenQueued()
            }
        }
    }

    /// Queues an event without waiting for the commit (fire and forget): it is committed within
    /// ``Configuration/recordLinger`` plus one commit, with whatever else was recorded meanwhile.
    /// Throws only when the queue is full or the writer has stopped; a later store failure is logged.
    public func record(_ event: PreparedAuditEvent) throws(AuditTrailError) {
        if let error = enqueue(Pending(events: [event], continuation: nil)) { throw error }
    }

    /// Who an enqueue wakes: the idle writer, or the linger timer that will wake it.
    private enum Wake {
        case writer(CheckedContinuation<Void, Never>)
        case timer(CheckedContinuation<Bool, Never>)
    }

    func enqueue(_ pending: Pending) -> AuditTrailError? {
        let (error, wake) = state.withLock { state -> (AuditTrailError?, Wake?) in
            if state.stopping {
                return (AuditTrailError(.shuttingDown, "the writer is shutting down"), nil)
            }
            if state.queuedEvents + state.inFlight + pending.events.count > configuration.capacity,
                state.queuedEvents + state.inFlight > 0
            {
                return (AuditTrailError(.overloaded, "the write queue is full (\(configuration.capacity) events); retry shortly"), nil)
            }
            state.queue.append(pending)
            state.queuedEvents += pending.events.count
            // A busy writer takes what is queued when its commit ends: nobody to wake.
            guard let waiter = state.waiter else { return (nil, nil) }
            if pending.continuation == nil, configuration.recordLinger > .zero, state.queuedEvents < configuration.lingerWakeEvents {
                // Fire and forget: the linger timer wakes the writer; start it unless it runs.
                if state.lingering { return (nil, nil) }
                if let timer = state.lingerTimer {
                    state.lingerTimer = nil
                    state.lingering = true
                    return (nil, .timer(timer))
                }
            }
            state.waiter = nil
            return (nil, .writer(waiter))
        }
        switch wake {
        case .writer(let waiter): waiter.resume()
        case .timer(let timer): timer.resume(returning: true)
        case nil: break
        }
        return error
    }

    /// The linger timer (see ``Configuration/recordLinger``): parked until a record into an idle
    /// writer starts it, then wakes the writer `recordLinger` later. Returns once the writer stops.
    func lingerLoop() async {
        while true {
            let started = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let stopping = state.withLock { state -> Bool in
                    if state.stopping { return true }
                    state.lingerTimer = continuation
                    return false
                }
                if stopping { continuation.resume(returning: false) }
            }
            guard started else { return }
            try? await Task.sleep(for: configuration.recordLinger)
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.lingering = false
                guard !state.queue.isEmpty else { return nil }
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    /// Takes the next group of pending appends, waiting for one; nil once stopped and drained.
    func nextGroup() async -> [Pending]? {
        while true {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if !state.queue.isEmpty || state.stopping { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
            let group = state.withLock { state -> [Pending]? in
                if state.queue.isEmpty { return state.stopping ? [] : nil }
                // Count the prefix first and remove it once: removing one pending at a time is
                // quadratic when an app's code queues single events (AuditLogger.record).
                var taken = 0
                var count = 0
                for pending in state.queue {
                    if taken > 0 && count + pending.events.count > configuration.maxBatchEvents { break }
                    count += pending.events.count
                    taken += 1
                }
                let group = Array(state.queue.prefix(taken))
                state.queue.removeFirst(taken)
                state.queuedEvents -= count
                state.inFlight = count
                return group
            }
            guard let group else { continue }
            return group.isEmpty ? nil : group
        }
    }

    /// Commits until graceful shutdown (or cancellation of the calling task), then drains the
    /// queue and returns. With a ``Configuration/fallback``, it first opens the fallback log (a
    /// failure to open it stops the writer and is thrown) and runs the replay beside the commits.
    public func run() async throws {
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                let fallback: AuditWriterFallback?
                do {
                    fallback = try configuration.fallback.map { try AuditWriterFallback(configuration: $0, logger: logger) }
                } catch {
                    stop()
                    while let group = await nextGroup() {
                        for pending in group { pending.continuation?.resume(throwing: error) }
                        state.withLock { $0.inFlight = 0 }
                    }
                    throw error
                }
                await withTaskGroup(of: Void.self) { tasks in
                    if let fallback { tasks.addTask { await self.replayLoop(fallback) } }
                    await withTaskGroup(of: Void.self) { linger in
                        linger.addTask { await self.lingerLoop() }
                        while let group = await nextGroup() {
                            await commit(group, fallback: fallback)
                        }
                        // Drained: a linger still running has nothing left to wake.
                        linger.cancelAll()
                    }
                }
                let (drained, lastSeq) = state.withLock { state in
                    state.stopped = true
                    return (state.drained, state.lastSeq)
                }
                logger.notice(
                    "audit writer drained",
                    metadata: ["audit.writer.drained_events": "\(drained)", "audit.chain.seq": "\(lastSeq)"]
                )
            } onGracefulShutdown: {
                self.stop()
            }
        } onCancel: {
            // The wait for the next group does not observe cancellation by itself.
            self.stop()
        }
    }

    /// Stops taking new events; `run()` returns after committing what is queued.
    public func stop() {
        let (waiter, timer, first, queued) = state.withLock { state in
            let first = !state.stopping
            state.stopping = true
            let waiter = state.waiter
            state.waiter = nil
            let timer = state.lingerTimer
            state.lingerTimer = nil
            return (waiter, timer, first, state.queuedEvents + state.inFlight)
        }
        if first {
            logger.notice("audit writer stopping: committing what is queued", metadata: ["audit.writer.queued_events": "\(queued)"])
        }
        waiter?.resume()
        timer?.resume(returning: false)
    }

    private func commit(_ group: [Pending], fallback: AuditWriterFallback?) async {
        // One pending append (a large batch) is handed over as is: no copy of every event.
        let events = group.count == 1 ? group[0].events : group.flatMap(\.events)
        if let fallback, await spillIfPending(group, events: events, fallback: fallback) { return }
        let clock = ContinuousClock()
        var attempt = 0
        while true {
            let start = clock.now
            do {
                let results = try await store.append(events)
                let duration = clock.now - start
                resume(group, with: results)
                state.withLock { $0.inFlight = 0 }
                report(results, submitted: events.count, duration: duration)
                return
            } catch let error as AuditTrailError where error.code == .conflict {
                // A producer reused another's id: only its own append fails (409); the others of the
                // group commit on their own.
                state.withLock { $0.inFlight = 0 }
                guard group.count > 1 else {
                    group[0].continuation?.resume(throwing: error)
                    if group[0].continuation == nil { logger.error("audit event not stored", metadata: ["error": "\(error)"]) }
                    return
                }
                for pending in group { await commit([pending], fallback: fallback) }
                return
            } catch {
                attempt += 1
                if attempt <= configuration.commitRetries {
                    logger.warning(
                        "audit commit failed; retrying",
                        metadata: [
                            "audit.batch.size": "\(events.count)", "audit.attempt": "\(attempt)", "error": "\(error)",
                        ]
                    )
                    try? await Task.sleep(for: .milliseconds(50 * attempt * attempt))
                    continue
                }
                if let fallback, await spill(group, events: events, fallback: fallback, storeError: error) { return }
                logger.error(
                    "audit commit failed; the batch was not stored",
                    metadata: [
                        "audit.batch.size": "\(events.count)", "error": "\(error)",
                    ]
                )
                let failure = (error as? AuditTrailError) ?? AuditTrailError(.storeFailure, "the store failed to commit", underlying: error)
                for pending in group { pending.continuation?.resume(throwing: failure) }
                state.withLock { $0.inFlight = 0 }
                return
            }
        }
    }

    /// Hands each pending append its slice of `results`.
    func resume(_ group: [Pending], with results: [AuditAppendResult]) {
        var offset = 0
        for pending in group {
            let slice = Array(results[offset..<(offset + pending.events.count)])
            offset += pending.events.count
            pending.continuation?.resume(returning: slice)
        }
    }

    /// Tells the observers of a commit to the store (the writer's own, or a replay's).
    func report(_ results: [AuditAppendResult], submitted: Int, duration: Duration) {
        let created = results.filter(\.created)
        let depth = state.withLock { state -> Int in
            if state.stopping { state.drained += created.count }
            if let last = created.last?.seq { state.lastSeq = last }
            return state.queuedEvents
        }
        let commit = Commit(
            firstSeq: created.first?.seq ?? 0,
            lastSeq: created.last?.seq ?? 0,
            count: created.count,
            submitted: submitted,
            duration: duration,
            queueDepth: depth
        )
        for observer in observers { observer(commit) }
    }
}
