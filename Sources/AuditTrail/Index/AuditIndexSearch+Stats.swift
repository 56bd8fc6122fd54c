extension AuditIndexSearch {
    /// The aggregates of `GET /v1/stats` over the events matching `query`, from the index: per
    /// chunk, the matching set is intersected with each action's, outcome's, severity's,
    /// category's and actor's set (counting bits, not events), and the histogram reads the
    /// matching events' times. Events the plan cannot decide are fetched and checked as in
    /// ``page(_:in:fetch:)``. `unique_actors` is exact.
    public static func stats(
        _ query: AuditQuery,
        bucket: AuditStats.Bucket,
        in source: some AuditIndexSource,
        fetch: ([Int64]) async throws -> [AuditStoredEvent]
    ) async throws -> AuditStats {
        var stats = AuditStats()
        let plan = try await AuditIndexPlan(query).resolved(in: source)
        guard let bounds = try await source.chunkBounds() else { return stats }
        let keys = plan.keys
        var actors = Set<String>()
        var bins: [Int64: Int64] = [:]
        let width = bucket.milliseconds
        for chunk in try await candidateChunks(plan, bounds: bounds, source: source) {
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
            stats.total += Int64(matched.count)
            for kind in [AuditIndexKey.Kind.action, .category, .outcome, .severity, .actor] {
                for (key, set) in try await source.sets(chunk: chunk, kinds: [kind]) {
                    let count = Int64(set.intersectionCount(matched))
                    guard count > 0 else { continue }
                    switch kind {
                    case .action: stats.byAction[key.value, default: 0] += count
                    case .category: stats.byCategory[key.value, default: 0] += count
                    case .outcome: stats.byOutcome[key.value, default: 0] += count
                    case .severity: stats.bySeverity[key.value, default: 0] += count
                    case .actor: actors.insert(key.value)
                    default: break
                    }
                }
            }
            if let times = read.times {
                matched.forEach(descending: false) { offset in
                    let time = times[Int(offset)]
                    bins[time - time % width, default: 0] += 1
                    return true
                }
            }
        }
        stats.failures = stats.byOutcome[AuditOutcome.failure.rawValue] ?? 0
        stats.denied = stats.byOutcome[AuditOutcome.denied.rawValue] ?? 0
        stats.uniqueActors = Int64(actors.count)
        stats.histogram = bins.keys.sorted().map { AuditStats.HistogramBin(start: AuditTime(milliseconds: $0), count: bins[$0]!) }
        return stats
    }
}
