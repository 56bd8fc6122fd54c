import AuditTrail
import AuditTrailTesting

/// A test double for exercising ``AuditWriter``: an actor that appends sealed events to an array,
/// one "transaction" per `append` call, with switches to make appends slow or fail. It is not a
/// database and stands in for none: store behaviour is tested against SQLite elsewhere.
actor WriterTestStore: AuditStore {
    private(set) var rows: [AuditStoredEvent] = []
    private var events: [AuditEvent] = []
    /// The number of events handed to each `append` call, successful or not.
    private(set) var appendSizes: [Int] = []
    /// How long each append takes before it commits.
    var delay: Duration = .zero
    /// The next this many appends throw.
    var failuresRemaining = 0
    /// While set, an append suspends until ``release()`` is called.
    private var gate: [CheckedContinuation<Void, Never>] = []
    private var gated = false

    struct Failure: Error {}

    func setDelay(_ delay: Duration) { self.delay = delay }
    func setFailures(_ count: Int) { failuresRemaining = count }
    func hold() { gated = true }
    func release() {
        gated = false
        let waiting = gate
        gate = []
        for continuation in waiting { continuation.resume() }
    }
    /// Changes stored rows directly, as an attacker with file access would.
    func tamper(_ change: (inout [AuditStoredEvent]) -> Void) { change(&rows) }
    /// Whether an append is waiting at the gate.
    var isHolding: Bool { !gate.isEmpty }

    func append(_ batch: [PreparedAuditEvent]) async throws -> [AuditAppendResult] {
        appendSizes.append(batch.count)
        if gated { await withCheckedContinuation { gate.append($0) } }
        if delay > .zero { try await Task.sleep(for: delay) }
        if failuresRemaining > 0 {
            failuresRemaining -= 1
            throw Failure()
        }
        var staged: [AuditStoredEvent] = []
        var stagedEvents: [AuditEvent] = []
        var results: [AuditAppendResult] = []
        var previous = rows.last?.hash ?? AuditChain.genesis
        for prepared in batch {
            if prepared.clientID, let existing = (rows + staged).first(where: { $0.id == prepared.event.id }) {
                let event = try existing.decoded()
                results.append(.init(id: existing.id, seq: existing.seq, hash: existing.hash, receivedAt: event.receivedAt, created: false))
                continue
            }
            let seq = (rows.last?.seq ?? 0) + Int64(staged.count) + 1
            let sealed = AuditSealer.seal(prepared, seq: seq, receivedAt: prepared.event.receivedAt, previousHash: previous)
            previous = sealed.hash
            staged.append(sealed.stored)
            stagedEvents.append(sealed.event)
            results.append(.init(id: sealed.event.id, seq: seq, hash: sealed.hash, receivedAt: sealed.event.receivedAt, created: true))
        }
        rows += staged
        events += stagedEvents
        return results
    }

    func events(matching query: AuditQuery) async throws -> AuditEventPage {
        var selected = zip(rows, events).filter { Self.matches($0.1, query) }.map(\.0)
        if query.order == .desc { selected.reverse() }
        if let cursor = query.cursor {
            selected = selected.filter { query.order == .desc ? $0.seq < cursor.afterSeq : $0.seq > cursor.afterSeq }
        }
        let page = Array(selected.prefix(query.limit))
        let more = selected.count > page.count
        return AuditEventPage(events: page, nextCursor: more ? page.last.map { AuditCursor(afterSeq: $0.seq) } : nil)
    }

    func event(id: String) async throws -> AuditStoredEvent? { rows.first { $0.id == id } }

    func stats(_ request: AuditStatsRequest) async throws -> AuditStats {
        AuditReferenceMatcher.stats(events.filter { Self.matches($0, request.query) }, request)
    }

    func seenActions() async throws -> [String: Int64] {
        events.reduce(into: [:]) { $0[$1.action, default: 0] += 1 }
    }

    func head() async throws -> AuditChainHead {
        rows.last.map { AuditChainHead(seq: $0.seq, hash: $0.hash) } ?? chainStartHead
    }

    func rows(after afterSeq: Int64, limit: Int) async throws -> [AuditStoredEvent] {
        Array(rows.filter { $0.seq > afterSeq }.prefix(limit))
    }

    func chainStart() async throws -> AuditChainHead { chainStartHead }

    private var chainStartHead: AuditChainHead { AuditChainHead(seq: 0, hash: AuditChain.genesis) }

    /// The query's meaning, from the conformance suite's reference matcher (one definition).
    static func matches(_ e: AuditEvent, _ q: AuditQuery) -> Bool {
        AuditReferenceMatcher.matches(q, e)
    }
}
