/// A stored index chunk in its stored forms, as `verify --indexes` reads it back.
public struct AuditStoredChunk: Sendable {
    public var chunk: Int64
    /// The stored event count, time bounds, present set and time column.
    public var events: Int64
    public var timeBounds: ClosedRange<Int64>?
    public var present: [UInt8]
    public var times: [UInt8]
    /// Every stored set, by key.
    public var sets: [AuditIndexKey: [UInt8]]
    /// The stored rollup, or nil when the chunk has none.
    public var rollup: [UInt8]?

    public init(
        chunk: Int64,
        events: Int64,
        timeBounds: ClosedRange<Int64>?,
        present: [UInt8],
        times: [UInt8],
        sets: [AuditIndexKey: [UInt8]],
        rollup: [UInt8]?
    ) {
        self.chunk = chunk
        self.events = events
        self.timeBounds = timeBounds
        self.present = present
        self.times = times
        self.sets = sets
        self.rollup = rollup
    }
}

/// What `verify --indexes` checks: everything a store derives from the canonical bytes — the
/// index's sets, present events, time columns and bounds, and rollups, and the copies of fields a
/// store keeps beside each row — against the same derivation run again on the canonical bytes
/// (``AuditChunkIndex``, ``AuditChunkRollup``), naming the first seq where they disagree.
public enum AuditIndexCheck {
    /// The first disagreement between a stored chunk and `rebuilt` (the chunk built again from
    /// the stored events), or nil. Events up to `removedThrough` were removed by retention after
    /// the chunk was indexed: the stored forms are compared from the first kept seq on, and the
    /// rollup of such a chunk (which stats no longer use) is not compared.
    /// `rollup` is `rebuilt`'s, when the caller has it already.
    public static func firstDisagreement(
        _ stored: AuditStoredChunk,
        rebuilt: AuditChunkIndex,
        rollup: AuditChunkRollup? = nil,
        removedThrough: Int64
    ) -> AuditChainVerifier.Problem? {
        let geometry = rebuilt.geometry
        let seqs = geometry.seqs(stored.chunk)
        let cut = removedThrough >= seqs.lowerBound
        let kept = cut ? AuditSeqSet(range: Int(min(geometry.size, removedThrough - seqs.lowerBound + 1))..<Int(geometry.size)) : nil
        var problems: [AuditChainVerifier.Problem] = []
        func report(_ offset: UInt16?, _ detail: String) {
            let seq = offset.map { geometry.seq(stored.chunk, $0) } ?? max(seqs.lowerBound, removedThrough + 1)
            problems.append(.init(seq: seq, kind: .indexMismatch, detail: "chunk \(stored.chunk) of the search index: \(detail)"))
        }
        /// The first offset in one set and not the other.
        func firstDifference(_ a: AuditSeqSet, _ b: AuditSeqSet) -> UInt16? {
            let difference = a.subtracting(b).union(b.subtracting(a))
            var first: UInt16?
            difference.forEach(descending: false) {
                first = $0
                return false
            }
            return first
        }
        func restricted(_ set: AuditSeqSet) -> AuditSeqSet { kept.map { set.intersection($0) } ?? set }

        // The events present.
        guard let present = AuditSeqSet(serialized: stored.present) else {
            report(nil, "the set of events present is not a stored set")
            return problems.first
        }
        if let offset = firstDifference(restricted(present), rebuilt.present) {
            report(offset, "the events present disagree with the events table")
        }
        if !cut, stored.events != Int64(rebuilt.present.count) {
            report(nil, "it counts \(stored.events) events; the events table holds \(rebuilt.present.count)")
        }
        // Every key's set, both ways.
        for key in Set(stored.sets.keys).union(rebuilt.sortedKeys) {
            let expected = rebuilt.set(key) ?? AuditSeqSet()
            guard let bytes = stored.sets[key] else {
                report(firstDifference(AuditSeqSet(), expected), "the set of \(key) is missing")
                continue
            }
            guard let set = AuditSeqSet(serialized: bytes) else {
                report(nil, "the set of \(key) is not a stored set")
                continue
            }
            if cut ? restricted(set) != expected : bytes != expected.serialized {
                report(firstDifference(restricted(set), expected), "the set of \(key) disagrees with the events")
            }
        }
        // Times: each present event's, and the bounds that let searches skip the chunk.
        if let times = AuditChunkIndex.times(serialized: stored.times) {
            var mismatch: UInt16?
            rebuilt.present.forEach(descending: false) { offset in
                if Int(offset) >= times.count || times[Int(offset)] != rebuilt.times[Int(offset)] { mismatch = offset }
                return mismatch == nil
            }
            if let mismatch { report(mismatch, "the time of the event disagrees with the event") }
        } else {
            report(nil, "the time column is not a stored time column")
        }
        if let expected = rebuilt.timeBounds {
            let holds =
                stored.timeBounds.map { cut ? $0.lowerBound <= expected.lowerBound && $0.upperBound >= expected.upperBound : $0 == expected } ?? false
            if !holds { report(nil, "its time bounds \(stored.timeBounds.map { "\($0)" } ?? "none") disagree with the events' \(expected)") }
        }
        // The rollup.
        if !cut {
            let expected = rollup ?? rebuilt.rollup
            if let bytes = stored.rollup, bytes == expected.serialized {
                // Agrees.
            } else if let bytes = stored.rollup, let rollup = AuditChunkRollup(serialized: bytes) {
                report(firstMiscounted(rollup, expected, rebuilt), "its rollup disagrees with the events")
            } else {
                report(nil, stored.rollup == nil ? "its rollup is missing" : "its rollup is not a stored rollup")
            }
        }
        return problems.min { $0.seq < $1.seq }
    }

    /// The first event that a wrong rollup miscounts: of a key counted wrong, in a minute counted
    /// wrong, or of an actor missing or extra; nil when it cannot be told.
    static func firstMiscounted(_ stored: AuditChunkRollup, _ expected: AuditChunkRollup, _ index: AuditChunkIndex) -> UInt16? {
        var offsets: [UInt16] = []
        func first(_ set: AuditSeqSet?) {
            set?.forEach(descending: false) {
                offsets.append($0)
                return false
            }
        }
        for key in Set(stored.counts.keys).union(expected.counts.keys) where stored.counts[key] != expected.counts[key] {
            first(index.set(key))
        }
        let storedMinutes = Dictionary(uniqueKeysWithValues: stored.minutes.map { ($0.start, $0.count) })
        let expectedMinutes = Dictionary(uniqueKeysWithValues: expected.minutes.map { ($0.start, $0.count) })
        let wrongMinutes = Set(storedMinutes.keys).union(expectedMinutes.keys).filter { storedMinutes[$0] != expectedMinutes[$0] }
        if !wrongMinutes.isEmpty {
            index.present.forEach(descending: false) { offset in
                let minute = AuditStats.binStart(index.times[Int(offset)], width: AuditStats.Bucket.minute.milliseconds)
                if wrongMinutes.contains(minute) { offsets.append(offset) }
                return !wrongMinutes.contains(minute)
            }
        }
        if stored.actors != expected.actors {
            for actor in Set(stored.actors).symmetricDifference(expected.actors) { first(index.set(AuditIndexKey(.actor, actor.id))) }
        }
        if stored.actorColumn != expected.actorColumn {
            index.present.forEach(descending: false) { offset in
                let said = stored.actorIndex(at: offset).flatMap { $0 < stored.actors.count ? stored.actors[$0].id : nil }
                let truth = expected.actorIndex(at: offset).map { expected.actors[$0].id }
                if said != truth { offsets.append(offset) }
                return said == truth
            }
        }
        return offsets.min()
    }

    /// The copies of an event's fields a store keeps beside its canonical bytes (to find it by id,
    /// to count actions, to place it in time), compared with the event decoded from those bytes.
    public struct RowCopies: Sendable, Hashable {
        public var id: String?
        public var time: Int64?
        public var receivedAt: Int64?
        public var action: String?
        public var category: String?
        public var severity: Int64?
        public var outcome: Int64?

        public init(id: String?, time: Int64?, receivedAt: Int64?, action: String?, category: String?, severity: Int64?, outcome: Int64?) {
            self.id = id
            self.time = time
            self.receivedAt = receivedAt
            self.action = action
            self.category = category
            self.severity = severity
            self.outcome = outcome
        }

        /// The copies a store writes for `event`.
        public init(of event: AuditEvent) {
            self.init(
                id: event.id,
                time: event.time.milliseconds,
                receivedAt: event.receivedAt.milliseconds,
                action: event.action,
                category: event.category,
                severity: Int64(event.severity.level),
                outcome: Int64(event.outcome.code)
            )
        }

        /// The columns that differ from `expected`, by name.
        public func differences(from expected: RowCopies) -> [String] {
            var names: [String] = []
            if id != expected.id { names.append("id") }
            if time != expected.time { names.append("time") }
            if receivedAt != expected.receivedAt { names.append("received_at") }
            if action != expected.action { names.append("action") }
            if category != expected.category { names.append("category") }
            if severity != expected.severity { names.append("severity") }
            if outcome != expected.outcome { names.append("outcome") }
            return names
        }
    }
}

/// The outcome of checking a store's derived data (``AuditIndexCheck``).
public struct AuditIndexVerification: Sendable, Hashable {
    public var ok: Bool { problem == nil }
    /// Events whose derived data was checked.
    public var checkedEvents: Int64
    /// Stored index chunks compared.
    public var checkedChunks: Int
    /// The first disagreement, by seq.
    public var problem: AuditChainVerifier.Problem?

    public init(checkedEvents: Int64, checkedChunks: Int, problem: AuditChainVerifier.Problem?) {
        self.checkedEvents = checkedEvents
        self.checkedChunks = checkedChunks
        self.problem = problem
    }
}

/// A store whose derived data (search index, rollups, per-row copies of fields, action counts)
/// can be checked against the canonical bytes and rebuilt from them.
public protocol AuditDerivedDataStore: Sendable {
    /// Checks every piece of derived data against the canonical bytes; the first disagreement
    /// names its seq. `progress` gets the events checked and the head seq.
    func verifyDerivedData(progress: (@Sendable (_ checked: Int64, _ headSeq: Int64) -> Void)?) async throws -> AuditIndexVerification

    /// Builds the derived data again from the canonical bytes (`audittrail reindex`): the search
    /// index with its rollups and the action counts, and the rows' copies of their fields where the
    /// store lets them be rewritten. `progress` gets the events read and the head seq.
    func rebuildDerivedData(progress: (@Sendable (_ done: Int64, _ headSeq: Int64) -> Void)?) async throws -> AuditDerivedDataRebuild

    /// The memory the derived data's in-memory cache holds now, as counted against its budget
    /// (nil: the store keeps none).
    var derivedDataCacheBytes: Int? { get }
}

extension AuditDerivedDataStore {
    public var derivedDataCacheBytes: Int? { nil }
}
