/// Answers a query from the index, chunk by chunk in the query's order, so a page costs the chunks
/// it reads and not the size of the log: each chunk's sets are combined word by word
/// (``AuditSeqSet``), the matching offsets read in order from the cursor on, and only the page's
/// events fetched. Chunks where a required key has no events are skipped without a read.
///
/// Where the plan is only a narrowing (a phrase), the events it cannot decide are fetched and
/// checked with ``AuditEventMatcher``, the definition of the query.
///
/// ```swift
/// let page = try await AuditIndexSearch.page(query, in: index) { seqs in try await store.events(seqs: seqs) }
/// ```
public enum AuditIndexSearch {
    /// One page of `query` (its order, cursor and limit) from `source`; `fetch` returns the stored
    /// events of the given seqs (those it lacks, removed by retention since, are left out).
    public static func page(
        _ query: AuditQuery,
        in source: some AuditIndexSource,
        fetch: ([Int64]) async throws -> [AuditStoredEvent]
    ) async throws -> AuditEventPage {
        let limit = max(1, query.limit)
        let descending = query.order == .desc
        let plan = try await AuditIndexPlan(query).resolved(in: source)
        guard let bounds = try await source.chunkBounds() else { return AuditEventPage(events: [], nextCursor: nil) }
        var chunks = try await candidateChunks(plan, bounds: bounds, source: source)
        if let after = query.cursor?.afterSeq {
            let cursorChunk = source.geometry.chunk(max(1, after))
            chunks = chunks.filter { descending ? $0 <= cursorChunk : $0 >= cursorChunk }
        }
        if descending { chunks.reverse() }
        let keys = plan.keys
        var wanted: [Int64] = []  // the answer so far, in order; limit + 1 tells that more follow
        var checked: [Int64: AuditStoredEvent] = [:]  // events fetched to be checked, kept for the page
        for chunk in chunks where wanted.count <= limit {
            let read = try await source.read(chunk: chunk, keys: keys, times: plan.comparesTimes)
            let answer = evaluate(plan, read)
            let sure = answer.sure.intersection(read.present)
            let maybe = answer.maybe.intersection(read.present)
            func afterCursor(_ seq: Int64) -> Bool {
                guard let after = query.cursor?.afterSeq else { return true }
                return descending ? seq < after : seq > after
            }
            if maybe.isEmpty {
                sure.forEach(descending: descending) { offset in
                    let seq = source.geometry.seq(chunk, offset)
                    if afterCursor(seq) { wanted.append(seq) }
                    return wanted.count <= limit
                }
                continue
            }
            // Undecided events are checked in batches, in order with the sure ones.
            var ordered: [(seq: Int64, sure: Bool)] = []
            sure.union(maybe).forEach(descending: descending) { offset in
                let seq = source.geometry.seq(chunk, offset)
                if afterCursor(seq) { ordered.append((seq, sure.contains(offset))) }
                return true
            }
            var index = 0
            while index < ordered.count, wanted.count <= limit {
                let end = min(ordered.count, index + max(64, limit + 1 - wanted.count))
                let batch = ordered[index..<end]
                let undecided = batch.filter { !$0.sure }.map(\.seq)
                var passed = Set<Int64>()
                for event in try await fetch(undecided) where (try? AuditEventMatcher.matches(query, event.decoded())) == true {
                    passed.insert(event.seq)
                    checked[event.seq] = event
                }
                for candidate in batch where candidate.sure || passed.contains(candidate.seq) {
                    wanted.append(candidate.seq)
                    if wanted.count > limit { break }
                }
                index = end
            }
        }
        let more = wanted.count > limit
        let pageSeqs = Array(wanted.prefix(limit))
        var events = pageSeqs.compactMap { checked[$0] }
        let missing = pageSeqs.filter { checked[$0] == nil }
        if !missing.isEmpty { events += try await fetch(missing) }
        // A row removed by retention after the index was read is left out; the cursor moves on.
        events.sort { descending ? $0.seq > $1.seq : $0.seq < $1.seq }
        return AuditEventPage(events: events, nextCursor: more ? AuditCursor(afterSeq: pageSeqs[limit - 1]) : nil)
    }

    /// The chunks that can hold an answer: every chunk in `bounds`, less those where a key the
    /// plan requires has no events.
    static func candidateChunks(_ plan: AuditIndexPlan, bounds: ClosedRange<Int64>, source: some AuditIndexSource) async throws -> [Int64] {
        guard let required = try await requiredChunks(plan, source) else { return Array(bounds) }
        return required.filter(bounds.contains).sorted()
    }

    /// The chunks outside which the plan has no events, or nil for any chunk. Unions of more
    /// than 32 keys are not looked up (reading their chunk lists would cost more than it saves).
    static func requiredChunks(_ plan: AuditIndexPlan, _ source: some AuditIndexSource) async throws -> Set<Int64>? {
        switch plan {
        case .all, .time, .prefix, .not: return nil
        case .keys(let keys):
            guard keys.count <= 32 else { return nil }
            var chunks = Set<Int64>()
            for key in keys { chunks.formUnion(try await source.chunks(containing: key)) }
            return chunks
        case .and(let parts), .candidates(let parts):
            var result: Set<Int64>?
            for part in parts {
                guard let chunks = try await requiredChunks(part, source) else { continue }
                result = result.map { $0.intersection(chunks) } ?? chunks
                if result?.isEmpty == true { return result }
            }
            return result
        case .or(let parts):
            var result = Set<Int64>()
            for part in parts {
                guard let chunks = try await requiredChunks(part, source) else { return nil }
                result.formUnion(chunks)
            }
            return result
        }
    }

    /// A plan's answer in one chunk: the events that match for sure, and those that may (to check).
    struct Answer {
        var sure: AuditSeqSet
        var maybe: AuditSeqSet
    }

    static func evaluate(_ plan: AuditIndexPlan, _ read: AuditChunkRead) -> Answer {
        switch plan {
        case .all:
            return Answer(sure: read.present, maybe: AuditSeqSet())
        case .keys(let keys):
            var set = AuditSeqSet()
            for key in keys { if let events = read.sets[key] { set = set.union(events) } }
            return Answer(sure: set, maybe: AuditSeqSet())
        case .prefix:
            preconditionFailure("a plan is resolved before it is evaluated")
        case .time(let op, let value):
            return Answer(sure: times(op, value, read), maybe: AuditSeqSet())
        case .candidates(let parts):
            var set = read.present
            for part in parts {
                let answer = evaluate(part, read)
                set = set.intersection(answer.sure.union(answer.maybe))
            }
            return Answer(sure: AuditSeqSet(), maybe: set)
        case .and(let parts):
            var sure = read.present
            var possible = read.present
            // Single keys first (usually the narrowest); a union of many keys is then only
            // probed at the few events still possible instead of being built.
            for part in parts.sorted(by: { $0.evaluationRank < $1.evaluationRank }) {
                if case .keys(let keys) = part, keys.count > 1, possible.count <= 512 {
                    let inUnion = AuditSeqSet(
                        sortedUnique: possible.offsets.filter { offset in keys.contains { read.sets[$0]?.contains(offset) == true } }
                    )
                    sure = sure.intersection(inUnion)
                    possible = inUnion
                    if possible.isEmpty { break }
                    continue
                }
                let answer = evaluate(part, read)
                sure = sure.intersection(answer.sure)
                possible = possible.intersection(answer.sure.union(answer.maybe))
                if possible.isEmpty { break }
            }
            return Answer(sure: sure, maybe: possible.subtracting(sure))
        case .or(let parts):
            var sure = AuditSeqSet()
            var maybe = AuditSeqSet()
            for part in parts {
                let answer = evaluate(part, read)
                sure = sure.union(answer.sure)
                maybe = maybe.union(answer.maybe)
            }
            return Answer(sure: sure, maybe: maybe.subtracting(sure))
        case .not(let inner):
            let answer = evaluate(inner, read)
            return Answer(sure: read.present.subtracting(answer.sure.union(answer.maybe)), maybe: answer.maybe)
        }
    }

    /// The present events whose time compares so with `value`: all or none from the chunk's
    /// bounds when they decide it, else from its time column.
    static func times(_ op: AuditSearchComparison, _ value: Int64, _ read: AuditChunkRead) -> AuditSeqSet {
        guard let bounds = read.timeBounds else { return AuditSeqSet() }
        if op.holds(bounds.lowerBound, value), op.holds(bounds.upperBound, value), op != .equal || bounds.lowerBound == bounds.upperBound {
            return read.present
        }
        switch op {
        case .greater where bounds.upperBound <= value, .greaterOrEqual where bounds.upperBound < value,
            .less where bounds.lowerBound >= value, .lessOrEqual where bounds.lowerBound > value,
            .equal where !bounds.contains(value):
            return AuditSeqSet()
        default:
            break
        }
        guard let times = read.times else { preconditionFailure("the time column is read for a plan that compares times") }
        var offsets: [UInt16] = []
        read.present.forEach(descending: false) { offset in
            if Int(offset) < times.count, op.holds(times[Int(offset)], value) { offsets.append(offset) }
            return true
        }
        return AuditSeqSet(sortedUnique: offsets)
    }
}
