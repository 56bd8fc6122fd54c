import Synchronization

/// Wakes the readers that follow the log — live tails, streams, alert rules — when events are
/// committed, so that each reads the new events at once instead of polling the store.
///
/// The writer reports each commit (``observer``); a follower takes a ``Subscription`` and waits on
/// it between reads. A wait also ends after its timeout, which is what a follower of a log that
/// other processes append to (PostgreSQL, several server instances) polls with: their commits are
/// not signalled here.
///
/// ```swift
/// let signal = AuditCommitSignal()
/// let writer = AuditWriter(store: store, logger: logger, observers: [signal.observer])
/// let subscription = signal.subscribe()
/// await subscription.wait(beyond: lastSeqRead, timeout: .seconds(1))
/// ```
public final class AuditCommitSignal: Sendable {
    struct State {
        var latest: Int64 = 0
        var nextID = 0
        var subscribers = 0
        var stopped: Set<Int> = []
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    let state = Mutex(State())

    /// A signal that has seen no commit yet.
    public init() {}

    /// The newest seq committed and signalled (0 before the first).
    public var latestSeq: Int64 { state.withLock { $0.latest } }
    /// Counted subscriptions alive now (the live tails of this process; streams and alert rules
    /// subscribe uncounted).
    public var subscriberCount: Int { state.withLock { $0.subscribers } }

    /// The writer's observer: signals every commit that stored something.
    public var observer: AuditWriter.Observer {
        { [self] commit in
            if commit.count > 0 { committed(through: commit.lastSeq) }
        }
    }

    /// Records that everything through `seq` is committed and wakes every waiter.
    public func committed(through seq: Int64) {
        let woken = state.withLock { state in
            state.latest = max(state.latest, seq)
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// A new subscription: a follower's handle to wait with. `counted`: whether
    /// ``subscriberCount`` includes it (the live tails, which it limits; not the server's own
    /// followers).
    public func subscribe(counted: Bool = true) -> Subscription {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            if counted { state.subscribers += 1 }
            return state.nextID
        }
        return Subscription(signal: self, id: id, counted: counted)
    }

    /// One follower's handle on the signal. ``stop()`` ends its wait at once, and every later one
    /// (a graceful shutdown, a follower being removed).
    public final class Subscription: Sendable {
        let signal: AuditCommitSignal
        let id: Int
        let counted: Bool

        init(signal: AuditCommitSignal, id: Int, counted: Bool) {
            self.signal = signal
            self.id = id
            self.counted = counted
        }

        deinit {
            signal.state.withLock { state in
                if counted { state.subscribers -= 1 }
                state.stopped.remove(id)
                state.waiters.removeValue(forKey: id)?.resume()
            }
        }

        /// Whether ``stop()`` was called.
        public var isStopped: Bool { signal.state.withLock { $0.stopped.contains(id) } }

        /// Ends the wait in progress and makes later waits return at once.
        public func stop() {
            let waiter = signal.state.withLock { state in
                state.stopped.insert(id)
                return state.waiters.removeValue(forKey: id)
            }
            waiter?.resume()
        }

        /// Returns once a seq beyond `seq` has been signalled (at once if it already was),
        /// `timeout` has passed, the subscription is stopped, or the task is cancelled.
        public func wait(beyond seq: Int64, timeout: Duration) async {
            // A commit already past `seq` (a busy log) or a stop: no timer task to start.
            guard !isDue(beyond: seq) else { return }
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.waitForCommit(beyond: seq) }
                group.addTask { try? await Task.sleep(for: timeout) }
                await group.next()
                group.cancelAll()
            }
        }

        private func isDue(beyond seq: Int64) -> Bool {
            signal.state.withLock { $0.latest > seq || $0.stopped.contains(id) }
        }

        private func waitForCommit(beyond seq: Int64) async {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let parked = signal.state.withLock { state in
                        guard state.latest <= seq, !state.stopped.contains(id), !Task.isCancelled else { return false }
                        state.waiters[id] = continuation
                        return true
                    }
                    if !parked { continuation.resume() }
                }
            } onCancel: {
                signal.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
            }
        }
    }
}
