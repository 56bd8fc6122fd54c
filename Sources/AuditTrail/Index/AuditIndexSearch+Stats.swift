extension AuditIndexSearch {
    /// The aggregates of `GET /v1/stats` over the events matching the request's query, chunk by
    /// chunk in the index:
    ///
    /// - a chunk the query covers whole (no filter but time, the chunk's times inside the range,
    ///   nothing removed since it was indexed) adds its ``AuditChunkRollup``: a few numbers, its
    ///   minutes and its actors' hashes;
    /// - any other chunk intersects its matching set with each action's, outcome's, severity's,
    ///   category's and actor's set (counting bits, not events) and reads the matching events'
    ///   times. Events the plan cannot decide are fetched and checked as in ``page(_:in:fetch:)``.
    ///
    /// `group_by` counts each value's set (whole, or intersected with the matching set). The
    /// histogram is counted by minute and then binned by the resolved bucket.
    public static func stats(
        _ request: AuditStatsRequest,
        in source: some AuditIndexSource,
        fetch: ([Int64]) async throws -> [AuditStoredEvent]
    ) async throws -> AuditStats {
        let query = request.query
        var tally = StatsTally()
        let plan = try await AuditIndexPlan(query).resolved(in: source)
        if let bounds = try await source.chunkBounds() {
            let keys = plan.keys
            let candidates = try await candidateChunks(plan, bounds: bounds, source: source)
            var skipThrough = Int64.min
            for (position, chunk) in candidates.enumerated() where chunk > skipThrough {
                // A whole span (16 chunks) the query covers: its one merged rollup.
                if keys.isEmpty, let span = try await coveredSpan(startingAt: position, candidates, plan, source) {
                    try await tally.add(span.rollup, chunks: Array(span.chunks), groupBy: request.groupBy, source: source)
                    skipThrough = span.chunks.upperBound
                    continue
                }
                if keys.isEmpty, let rollup = try await source.rollup(chunk: chunk), try await covers(chunk...chunk, rollup, plan, source) {
                    try await tally.add(rollup, chunks: [chunk], groupBy: request.groupBy, source: source)
                    continue
                }
                let read = try await source.read(chunk: chunk, keys: keys, times: true)
                let answer = evaluate(plan, read)
                var matched = answer.sure.intersection(read.present)
                let maybe = answer.maybe.intersection(read.present)
                if !maybe.isEmpty {
                    var seqs: [Int64] = []
                    maybe.forEach(descending: false) {
                        seqs.append(source.geometry.seq(chunk, $0))
                        return true
                    }
                    let passed = try await fetch(seqs).filter { (try? AuditEventMatcher.matches(query, $0.decoded())) == true }
                    matched = matched.union(AuditSeqSet(offsets: passed.map { source.geometry.offset($0.seq) }))
                }
                guard !matched.isEmpty else { continue }
                try await tally.add(matched, read: read, chunk: chunk, groupBy: request.groupBy, source: source)
            }
        }
        return tally.stats(request)
    }

    /// The span starting at `candidates[position]` when it is complete in the source, all its
    /// chunks are candidates, and the plan covers each of them whole (time bounds inside the
    /// range, nothing removed since it was indexed).
    static func coveredSpan(
        startingAt position: Int,
        _ candidates: [Int64],
        _ plan: AuditIndexPlan,
        _ source: some AuditIndexSource
    ) async throws -> (rollup: AuditChunkRollup, chunks: ClosedRange<Int64>)? {
        let first = candidates[position]
        let size = AuditIndexGeometry.spanChunks
        guard first % Int64(size) == 0, position + size <= candidates.count, candidates[position + size - 1] == first + Int64(size) - 1 else {
            return nil
        }
        let span = first / Int64(size)
        let chunks = AuditIndexGeometry.chunks(ofSpan: span)
        guard let rollup = try await source.spanRollup(span), try await covers(chunks, rollup, plan, source) else { return nil }
        return (rollup, chunks)
    }

    /// Whether `rollup` (of `chunks`) may stand for the plan's answer there: the plan covers
    /// every chunk whole (decided from its time bounds) and retention removed none of the
    /// rollup's events since it was made.
    static func covers(
        _ chunks: ClosedRange<Int64>,
        _ rollup: AuditChunkRollup,
        _ plan: AuditIndexPlan,
        _ source: some AuditIndexSource
    ) async throws -> Bool {
        var events: Int64 = 0
        for chunk in chunks {
            let head = try await source.read(chunk: chunk, keys: [], times: false)
            guard let bounds = head.timeBounds, plan.coversWhole(timeBounds: bounds) else { return false }
            events += Int64(head.present.count)
        }
        return events == rollup.events
    }

    /// What stats add up over the chunks.
    struct StatsTally {
        var total: Int64 = 0
        var counts: [AuditIndexKey: Int64] = [:]
        var actors = AuditDistinctHashes()
        var minutes: [Int64: Int64] = [:]
        var groups: [String: Int64] = [:]
        /// `group_by=actor`, by hash (no string hashing per chunk).
        var actorGroups = AuditHashCounts()
        /// `group_by=ip`, by the hash of the whole-address key (only the top ones are written as
        /// addresses).
        var addressGroups = AuditHashCounts()

        /// Adds `count` events of `key` (of the grouped field's kind) to its group.
        mutating func addGroup(_ key: AuditIndexKey, _ count: Int64) {
            switch key.kind {
            case .actor: actorGroups.add(AuditChunkRollup.actorHash(key.value), key.value, count)
            case .ip: addressGroups.add(AuditChunkRollup.actorHash(key.value), key.value, count)
            default: groups[key.value, default: 0] += count
            }
        }

        /// Chunks covered whole, from their (merged) rollup.
        mutating func add(_ rollup: AuditChunkRollup, chunks: [Int64], groupBy: AuditStats.GroupField?, source: some AuditIndexSource) async throws {
            total += rollup.events
            for (key, count) in rollup.counts { counts[key, default: 0] += count }
            for actor in rollup.actors { actors.insert(actor.hash) }
            for minute in rollup.minutes { minutes[minute.start, default: 0] += minute.count }
            guard let field = groupBy else { return }
            if field == .actor {
                for actor in rollup.actors { actorGroups.add(actor.hash, actor.id, actor.count) }
            } else if AuditChunkRollup.countedKinds.contains(field.kind) {
                for (key, count) in rollup.counts where key.kind == field.kind { groups[key.value, default: 0] += count }
            } else {
                for chunk in chunks {
                    for (key, set) in try await source.sets(chunk: chunk, kinds: [field.kind]) where field.counts(key) {
                        addGroup(key, Int64(set.count))
                    }
                }
            }
        }

        /// The `matched` events of a chunk, from its sets and time column.
        mutating func add(
            _ matched: AuditSeqSet,
            read: AuditChunkRead,
            chunk: Int64,
            groupBy: AuditStats.GroupField?,
            source: some AuditIndexSource
        ) async throws {
            total += Int64(matched.count)
            // Actors from the rollup's actor column when there is one (one read per matching
            // event), else from each actor's set.
            let rollup = try await source.rollup(chunk: chunk)
            if let rollup {
                var perActor = [Int64](repeating: 0, count: rollup.actors.count)
                matched.forEach(descending: false) { offset in
                    if let position = rollup.actorIndex(at: offset) { perActor[position] += 1 }
                    return true
                }
                for (position, count) in perActor.enumerated() where count > 0 {
                    let actor = rollup.actors[position]
                    actors.insert(actor.hash)
                    if groupBy == .actor { actorGroups.add(actor.hash, actor.id, count) }
                }
            }
            var kinds = AuditChunkRollup.countedKinds + (rollup == nil ? [.actor] : [])
            if let field = groupBy, !kinds.contains(field.kind), rollup == nil || field != .actor { kinds.append(field.kind) }
            let matchedWords = matched.words
            for kind in kinds {
                for (key, set) in try await source.sets(chunk: chunk, kinds: [kind]) {
                    // (ip keys are read only to group by whole addresses)
                    if kind == .ip, groupBy?.counts(key) == false { continue }
                    let count = Int64(set.intersectionCount(words: matchedWords))
                    guard count > 0 else { continue }
                    if kind == groupBy?.kind { addGroup(key, count) }
                    if kind == .actor {
                        actors.insert(AuditChunkRollup.actorHash(key.value))
                    } else if AuditChunkRollup.countedKinds.contains(kind) {
                        counts[key, default: 0] += count
                    }
                }
            }
            if let times = read.times {
                let width = AuditStats.Bucket.minute.milliseconds
                matched.forEach(descending: false) { offset in
                    minutes[AuditStats.binStart(times[Int(offset)], width: width), default: 0] += 1
                    return true
                }
            }
        }

        func stats(_ request: AuditStatsRequest) -> AuditStats {
            var stats = AuditStats()
            stats.total = total
            for (key, count) in counts {
                switch key.kind {
                case .action: stats.byAction[key.value] = count
                case .category: stats.byCategory[key.value] = count
                case .outcome: stats.byOutcome[key.value] = count
                case .severity: stats.bySeverity[key.value] = count
                default: break
                }
            }
            stats.failures = stats.byOutcome[AuditOutcome.failure.rawValue] ?? 0
            stats.denied = stats.byOutcome[AuditOutcome.denied.rawValue] ?? 0
            stats.uniqueActors = Int64(actors.count)
            stats.setHistogram(minutes: minutes, requested: request.bucket, since: request.query.since, until: request.query.until)
            if let field = request.groupBy {
                switch field {
                case .actor: stats.setGroups(actorGroups.top(request.top), field: field, top: request.top, distinct: actorGroups.count)
                case .ip:
                    let top = addressGroups.top(request.top, shownAs: field.value(ofKey:))
                    stats.setGroups(top, field: field, top: request.top, distinct: addressGroups.count)
                default: stats.setGroups(groups, field: field, top: request.top)
                }
            }
            return stats
        }
    }
}

extension AuditIndexPlan {
    /// Whether every event of a chunk whose times lie in `timeBounds` matches, decided from the
    /// bounds alone (false when unsure: the chunk is then counted event by event).
    func coversWhole(timeBounds bounds: ClosedRange<Int64>) -> Bool {
        switch self {
        case .all: true
        case .time(let op, let value):
            op.holds(bounds.lowerBound, value) && op.holds(bounds.upperBound, value) && (op != .equal || bounds.lowerBound == bounds.upperBound)
        case .and(let parts): parts.allSatisfy { $0.coversWhole(timeBounds: bounds) }
        case .or(let parts): parts.contains { $0.coversWhole(timeBounds: bounds) }
        case .keys, .prefix, .candidates, .not: false
        }
    }
}
