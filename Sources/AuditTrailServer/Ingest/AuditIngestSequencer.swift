import AuditTrail
import Synchronization

/// Keeps the batches of one producer's ordered stream in the producer's order while several of
/// them are in flight at once.
///
/// A producer that wants its events stored in the order it sent them, and still wants more than
/// one batch on the wire (``AuditTrailClient``'s window), names a stream and numbers its events:
/// `Audit-Batch-Stream: <token>` and `Audit-Batch-Sequence: <number of the batch's first event>`
/// (the stream's first event is 0). A batch is queued on the writer only when it is the
/// stream's next one — its first number is where the stream's queued events end — or when it
/// starts earlier (a re-send, stored at most once through the event ids). A batch that comes too
/// early waits, up to ``Configuration/wait``, for its predecessors to be queued; then it is
/// refused with a 503 and the producer sends it again after the batch it was waiting for. The
/// writer commits in queue order, so within a stream seq order is the producer's order.
///
/// A batch that is refused for its content or by a full queue does not move the stream, so its
/// successors wait (or are refused) until it is sent again; a producer that moves a refused event
/// aside starts a new stream. The state lives in this process: after a restart a stream is
/// unknown, so only a batch numbered 0 starts it, and a producer whose later batches time out
/// starts a new stream. Streams belong to the key that sent them; at most
/// ``Configuration/maxStreams`` are remembered, the least recently used forgotten first.
final class AuditIngestSequencer: Sendable {
    /// How long an early batch waits and how many streams are remembered.
    struct Configuration: Sendable {
        /// How long a batch that arrived before its predecessors waits for them. Default 2 s.
        var wait: Duration = .seconds(2)
        /// Streams remembered at once. Default 4,096.
        var maxStreams = 4096
    }

    /// A stream: the key that sent it and the producer's token.
    struct StreamID: Hashable, Sendable {
        var keyID: String
        var token: String
    }

    private struct Waiter {
        var id: UInt64
        var first: UInt64
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct Stream {
        /// The number after the last event queued on the writer.
        var next: UInt64
        var lastUsed: UInt64
        var waiters: [Waiter] = []
    }

    private struct State {
        var streams: [StreamID: Stream] = [:]
        var clock: UInt64 = 0
        var nextWaiterID: UInt64 = 0
    }

    let configuration: Configuration
    private let state = Mutex(State())

    init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Returns true once a batch of `stream` that starts at `first` may be queued, false when its
    /// predecessors did not arrive within ``Configuration/wait`` (or the request was cancelled).
    func awaitTurn(_ stream: StreamID, first: UInt64) async -> Bool {
        let ready: Bool? = state.withLock { s in
            s.clock += 1
            if var known = s.streams[stream] {
                known.lastUsed = s.clock
                s.streams[stream] = known
                return first <= known.next ? true : nil
            }
            guard first == 0 else { return nil }
            insert(stream, Stream(next: 0, lastUsed: s.clock), into: &s)
            return true
        }
        if let ready { return ready }
        let id = state.withLock { s in
            s.nextWaiterID += 1
            return s.nextWaiterID
        }
        return await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await self.wait(stream, first: first, id: id) }
            group.addTask {
                try? await Task.sleep(for: self.configuration.wait)
                return nil
            }
            while let result = await group.next() {
                guard let result else {
                    // The timer: refuse unless the batch's turn came meanwhile.
                    resume(stream, waiter: id, with: false)
                    continue
                }
                group.cancelAll()
                return result
            }
            return false
        }
    }

    /// Records that a batch of `stream` from `first` to `end` (exclusive) is queued on the
    /// writer: when it was the stream's next batch the stream now continues at `end`, and the
    /// batches that waited for that go ahead.
    func queued(_ stream: StreamID, first: UInt64, end: UInt64) {
        let ready: [CheckedContinuation<Bool, Never>] = state.withLock { s in
            s.clock += 1
            guard var known = s.streams[stream] else {
                insert(stream, Stream(next: end, lastUsed: s.clock), into: &s)
                return []
            }
            known.lastUsed = s.clock
            if first <= known.next { known.next = max(known.next, end) }
            let next = known.next
            let ready = known.waiters.filter { $0.first <= next }.map(\.continuation)
            known.waiters.removeAll { $0.first <= next }
            s.streams[stream] = known
            return ready
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    /// Streams remembered now (for tests and metrics).
    var streamCount: Int { state.withLock { $0.streams.count } }

    private func wait(_ stream: StreamID, first: UInt64, id: UInt64) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let now: Bool? = state.withLock { s in
                    guard var known = s.streams[stream] else {
                        // Unknown (not started here, or forgotten): wait for its batch 0.
                        var started = Stream(next: 0, lastUsed: s.clock)
                        started.waiters.append(Waiter(id: id, first: first, continuation: continuation))
                        insert(stream, started, into: &s)
                        return nil
                    }
                    if first <= known.next { return true }
                    known.waiters.append(Waiter(id: id, first: first, continuation: continuation))
                    s.streams[stream] = known
                    return nil
                }
                if let now {
                    continuation.resume(returning: now)
                } else if Task.isCancelled {
                    // Cancelled before the waiter was registered: onCancel (and the timer, which
                    // ends at once when cancelled) found nothing to resume.
                    resume(stream, waiter: id, with: false)
                }
            }
        } onCancel: {
            resume(stream, waiter: id, with: false)
        }
    }

    private func resume(_ stream: StreamID, waiter id: UInt64, with value: Bool) {
        let continuation: CheckedContinuation<Bool, Never>? = state.withLock { s in
            guard var known = s.streams[stream], let index = known.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            let waiter = known.waiters.remove(at: index)
            s.streams[stream] = known
            return waiter.continuation
        }
        continuation?.resume(returning: value)
    }

    /// Adds a stream, first forgetting the least recently used idle one when full.
    private func insert(_ stream: StreamID, _ value: Stream, into s: inout State) {
        if s.streams.count >= configuration.maxStreams,
            let oldest = s.streams.filter({ $0.value.waiters.isEmpty }).min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key
        {
            s.streams[oldest] = nil
        }
        s.streams[stream] = value
    }
}
