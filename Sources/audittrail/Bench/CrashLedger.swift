import AuditTrail
import AuditTrailClient
import Foundation
import Synchronization

/// The writers of `bench crash` and their exact ledger: every event id the server acknowledged
/// (a 2xx answer the writer received), and the ids sent whose answer never came.
///
/// Each writer sends one request at a time, single events (`POST /v1/events`) or batches
/// (`POST /v1/events/batch`) with client-chosen ids, and re-sends the same request, ids and all,
/// until it is acknowledged: a request cut off by a kill is sent again to the restarted server,
/// which must store it at most once (the ids make the send idempotent). While ``pause()``d the
/// writers send nothing; ``pause()`` returns once no request is in flight.
final class CrashLedger: Sendable {
    struct State {
        var acknowledged: Set<String> = []
        /// Ids sent at least once, acknowledged or not.
        var sent: Set<String> = []
        /// The highest seq a single POST's answer named.
        var highestSeq: Int64 = 0
        var paused = true
        var inFlight = 0
        var connection: AuditServerConnection?
        var singles = 0
        var batches = 0
        var resends = 0
        var overloaded = 0
        /// 503s whose problem is `store-full`, with a `Retry-After` and a detail naming the full disk.
        var storeFull = 0
        /// 503s of another kind, or a `store-full` one without `Retry-After` or without the cause.
        var otherUnavailable = 0
        /// When the newest acknowledgement arrived.
        var lastAcknowledged: ContinuousClock.Instant?
        var failures: [String] = []
    }

    let state = Mutex(State())
    private let stopped = Atomic(false)

    /// Sends to `connection` from now on and lets the writers go.
    func resume(with connection: AuditServerConnection) {
        state.withLock { state in
            state.connection = connection
            state.paused = false
        }
    }

    /// Stops new requests and waits until none is in flight (a request to a killed server fails
    /// at once: the connection is refused or reset).
    func pause() async {
        state.withLock { $0.paused = true }
        while state.withLock({ $0.inFlight }) > 0 { try? await Task.sleep(for: .milliseconds(5)) }
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    /// Writer `index` until ``stop()``: writers with an even index send single events, the others
    /// batches of 1…`maxBatch` events.
    func runWriter(_ index: Int, seed: UInt64, maxBatch: Int) async {
        var random = CrashRandom(seed: seed &+ UInt64(index) &* 0x1_0000_0001)
        let batching = index % 2 == 1
        while !stopped.load(ordering: .relaxed) {
            let count = batching ? 1 + random.next(maxBatch) : 1
            let ids = (0..<count).map { _ in random.uuid() }
            let body = batching ? "[" + ids.map(Self.event).joined(separator: ",") + "]" : Self.event(id: ids[0])
            let path = batching ? "/v1/events/batch" : "/v1/events"
            var attempts = 0
            while !stopped.load(ordering: .relaxed) {
                guard let connection = enter() else {
                    try? await Task.sleep(for: .milliseconds(5))
                    continue
                }
                attempts += 1
                if attempts == 1 { state.withLock { $0.sent.formUnion(ids) } }
                let response = try? await connection.post(path, body: Array(body.utf8))
                let done = record(response, ids: ids, batching: batching, resend: attempts > 1)
                if done { break }
                try? await Task.sleep(for: .milliseconds(response?.status == 503 ? 20 : 2))
            }
        }
    }

    /// The connection to send on, counted in flight; nil while paused.
    private func enter() -> AuditServerConnection? {
        state.withLock { state in
            guard !state.paused, let connection = state.connection else { return nil }
            state.inFlight += 1
            return connection
        }
    }

    /// Books one answer (nil: no answer, the server is gone) and leaves flight; true when the
    /// request is done (acknowledged, or refused for good and recorded as a failure).
    private func record(_ response: AuditServerResponse?, ids: [String], batching: Bool, resend: Bool) -> Bool {
        state.withLock { state in
            state.inFlight -= 1
            guard let response else { return false }
            if response.isSuccess {
                state.acknowledged.formUnion(ids)
                if batching { state.batches += 1 } else { state.singles += 1 }
                if resend { state.resends += 1 }
                state.lastAcknowledged = .now
                if !batching, let seq = (try? response.json())?["seq"]?.int64Value { state.highestSeq = max(state.highestSeq, seq) }
                return true
            }
            if response.status == 503 {
                state.overloaded += 1
                let detail = response.problemDetail
                if response.problemType == "urn:audittrail:problem:store-full", response.retryAfter != nil,
                    detail.contains("SQLITE_FULL"), detail.contains("full")
                {
                    state.storeFull += 1
                } else {
                    state.otherUnavailable += 1
                }
                return false
            }
            // Anything else (a 4xx for a valid event, a 500) is a fault of the server.
            state.failures.append("\(batching ? "POST /v1/events/batch" : "POST /v1/events") answered \(response.status): \(response.problemDetail)")
            return true
        }
    }

    /// One event with a client-chosen id, as a producer sends it.
    static func event(id: String) -> String {
        #"{"id":"\#(id)","action":"user.login","outcome":"success","description":"crash bench","actor":{"id":"crash-writer","ip":"10.0.0.1"},"resource":{"type":"session","id":"\#(id.prefix(8))"},"metadata":{"bench":"crash"}}"#
    }
}

/// A small seeded generator (xorshift64*): the bench's timings, batch sizes and ids follow `--seed`.
struct CrashRandom {
    private var state: UInt64

    init(seed: UInt64) { state = (seed &* 0x9E37_79B9_7F4A_7C15) | 1 }

    mutating func next64() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// A value in `0..<bound`.
    mutating func next(_ bound: Int) -> Int { Int(next64() % UInt64(max(1, bound))) }

    /// A value in `range`, uniformly.
    mutating func seconds(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * Double(next64() >> 11) / Double(1 << 53)
    }

    /// A version-4 UUID, lower case.
    mutating func uuid() -> String {
        var bytes = withUnsafeBytes(of: next64()) { Array($0) } + withUnsafeBytes(of: next64()) { Array($0) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = AuditHex.string(bytes)
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}
