import Synchronization

/// Decoded sets of a store's persisted index chunks, kept in memory up to a byte budget: a stored
/// chunk never changes (it is written once; a rebuild writes the same sets), so a set read once
/// serves every later search without a read or a decode. Keys a chunk lacks are remembered too.
/// When the budget is exceeded, the oldest half of the entries is dropped.
package final class AuditIndexCache: Sendable {
    package struct Key: Hashable, Sendable {
        package var chunk: Int64
        package var key: AuditIndexKey
    }

    private struct State {
        var sets: [Key: AuditSeqSet?] = [:]
        var order: [Key] = []
        var chunks: [Int64: AuditChunkRead] = [:]
        /// Every set of one kind in one chunk (stats read whole kinds).
        var kinds: [KindKey: [AuditIndexKey: AuditSeqSet]] = [:]
        var kindOrder: [KindKey] = []
        /// Rollups are small and read by every stats request: kept until the budget is exceeded.
        var rollups: [RollupKey: AuditChunkRollup] = [:]
        /// Per key, the stored chunks that hold it, as probed up to a chunk (stored chunks never
        /// change, so only chunks stored later need a probe).
        var keyChunks: [AuditIndexKey: Probed<[Int64]>] = [:]
        /// Per kind and prefix, the stored values with that prefix, as probed up to a chunk.
        var prefixValues: [PrefixKey: Probed<Set<String>>] = [:]
        /// What the sets, kinds, chunk heads and rollups hold.
        var bytes = 0
        /// What `keyChunks` and `prefixValues` hold.
        var probeBytes = 0
    }

    package struct Probed<Value: Sendable>: Sendable {
        /// Every stored chunk up to this one was probed.
        package var through: Int64
        package var value: Value
    }

    package struct PrefixKey: Hashable, Sendable {
        package var kind: AuditIndexKey.Kind
        package var prefix: String
    }

    /// The most probe results kept; past it (or a quarter of the budget) they are all dropped.
    package static let probeEntries = 20_000

    /// The stored chunks holding `key`, as probed up to a chunk, if cached.
    package func chunks(containing key: AuditIndexKey) -> Probed<[Int64]>? { state.withLock { $0.keyChunks[key] } }

    package func store(chunks: [Int64], containing key: AuditIndexKey, through: Int64) {
        guard budget > 0 else { return }
        state.withLock { state in
            let cost = Self.entryOverhead + Self.heapBytes(key.value) + Self.heapBytes(payload: chunks.count * 8)
            Self.makeRoomForProbe(&state, cost: cost, budget: budget)
            if let old = state.keyChunks.updateValue(Probed(through: through, value: chunks), forKey: key) {
                state.probeBytes -= Self.entryOverhead + Self.heapBytes(key.value) + Self.heapBytes(payload: old.value.count * 8)
            }
            state.probeBytes += cost
        }
    }

    /// The stored values of `kind` with `prefix`, as probed up to a chunk, if cached.
    package func values(_ kind: AuditIndexKey.Kind, prefix: String) -> Probed<Set<String>>? {
        state.withLock { $0.prefixValues[PrefixKey(kind: kind, prefix: prefix)] }
    }

    package func store(values: Set<String>, _ kind: AuditIndexKey.Kind, prefix: String, through: Int64) {
        guard budget > 0 else { return }
        state.withLock { state in
            let key = PrefixKey(kind: kind, prefix: prefix)
            let cost = Self.size(key, values)
            Self.makeRoomForProbe(&state, cost: cost, budget: budget)
            if let old = state.prefixValues.updateValue(Probed(through: through, value: values), forKey: key) {
                state.probeBytes -= Self.size(key, old.value)
            }
            state.probeBytes += cost
        }
    }

    /// Probe results are small and cheap to redo: past ``probeEntries`` entries, or a quarter of
    /// the budget, they are all dropped.
    private static func makeRoomForProbe(_ state: inout State, cost: Int, budget: Int) {
        let entries = state.keyChunks.count + state.prefixValues.count
        guard entries >= probeEntries || state.probeBytes + cost > budget / 4 else { return }
        state.keyChunks = [:]
        state.prefixValues = [:]
        state.probeBytes = 0
    }

    package struct KindKey: Hashable, Sendable {
        package var chunk: Int64
        package var kind: AuditIndexKey.Kind
    }

    private let state = Mutex(State())
    package let budget: Int

    /// The memory the cache holds now, as counted against ``budget``.
    package var accountedBytes: Int { state.withLock { $0.bytes + $0.probeBytes } }

    package init(budget: Int) {
        self.budget = budget
    }

    /// The cached sets of `keys` in `chunk` (an inner nil: known to be absent), and the keys not
    /// cached.
    package func sets(_ chunk: Int64, _ keys: [AuditIndexKey]) -> (found: [AuditIndexKey: AuditSeqSet?], missing: [AuditIndexKey]) {
        state.withLock { state in
            var found: [AuditIndexKey: AuditSeqSet?] = [:]
            var missing: [AuditIndexKey] = []
            for key in keys {
                if let set = state.sets[Key(chunk: chunk, key: key)] { found[key] = set } else { missing.append(key) }
            }
            return (found, missing)
        }
    }

    /// Every cached set of `kind` in `chunk`, or nil when that kind was not read whole.
    package func sets(_ chunk: Int64, kind: AuditIndexKey.Kind) -> [AuditIndexKey: AuditSeqSet]? {
        state.withLock { $0.kinds[KindKey(chunk: chunk, kind: kind)] }
    }

    /// Keeps every set of `kind` in `chunk`.
    package func store(chunk: Int64, kind: AuditIndexKey.Kind, sets: [AuditIndexKey: AuditSeqSet]) {
        guard budget > 0 else { return }
        state.withLock { state in
            let entry = KindKey(chunk: chunk, kind: kind)
            guard state.kinds[entry] == nil else { return }
            state.kinds[entry] = sets
            state.kindOrder.append(entry)
            state.bytes += Self.size(kind: sets)
            Self.trim(&state, budget: budget)
        }
    }

    /// Forgets everything (the index file was emptied).
    package func removeAll() { state.withLock { $0 = State() } }

    /// A stored rollup: a chunk's or a span's.
    package enum RollupKey: Hashable, Sendable {
        case chunk(Int64)
        case span(Int64)
    }

    /// The cached rollup of a chunk or a span.
    package func rollup(_ key: RollupKey) -> AuditChunkRollup? { state.withLock { $0.rollups[key] } }

    package func store(_ key: RollupKey, rollup: AuditChunkRollup) {
        guard budget > 0 else { return }
        state.withLock { state in
            guard state.rollups[key] == nil else { return }
            state.rollups[key] = rollup
            state.bytes += Self.size(rollup)
            Self.trim(&state, budget: budget)
        }
    }

    /// The cached head of `chunk` (present set, time bounds, time column when it was read).
    package func chunk(_ chunk: Int64) -> AuditChunkRead? { state.withLock { $0.chunks[chunk] } }

    package func store(chunk: Int64, read: AuditChunkRead, keys: [AuditIndexKey]) {
        guard budget > 0 else { return }
        state.withLock { state in
            var head = read
            head.sets = [:]
            let old = state.chunks[chunk]
            if let old, old.times != nil, head.times == nil { head.times = old.times }
            // A head read again with its time column (a search reads heads without it, stats
            // with it) replaces the one counted: what it adds is counted too (the soak found
            // 25 uncounted time columns, 13 MiB, in a cache that counted 4 MiB).
            state.bytes += Self.size(head) - (old.map { Self.size($0) } ?? 0)
            state.chunks[chunk] = head
            for key in keys {
                let entry = Key(chunk: chunk, key: key)
                guard state.sets[entry] == nil else { continue }
                let set = read.sets[key]
                state.sets[entry] = .some(set)
                state.order.append(entry)
                state.bytes += Self.entryOverhead + Self.size(key, set)
            }
            Self.trim(&state, budget: budget)
        }
    }

    /// Past the budget, drops the oldest half of the sets and of the whole kinds, and every chunk
    /// head and rollup (they are re-read cheaply).
    private static func trim(_ state: inout State, budget: Int) {
        guard state.bytes > budget else { return }
        let dropped = state.order.prefix(state.order.count / 2)
        for entry in dropped { state.sets[entry] = nil }
        state.order.removeFirst(dropped.count)
        let droppedKinds = state.kindOrder.prefix((state.kindOrder.count + 1) / 2)
        for entry in droppedKinds { state.kinds[entry] = nil }
        state.kindOrder.removeFirst(droppedKinds.count)
        state.chunks = [:]
        state.rollups = [:]
        state.bytes =
            state.sets.reduce(0) { $0 + entryOverhead + size($1.key.key, $1.value) }
            + state.kinds.values.reduce(0) { $0 + size(kind: $1) }
    }

    // What entries cost, measured: the C heap's growth (mallinfo2) per entry for 100,000 entries
    // of one to 20 seqs and keys of 8 and 24 bytes, and 2,000 of 4,000 and 20,000 seqs, agreed
    // with these within 1 % (it was 3.7 times the count for one-seq sets before they were in).

    /// A `sets` entry beside its key's and set's heap blocks: the dictionary's slots at its load
    /// factor and the `order` array's slot (152 bytes measured).
    package static let entryOverhead = 152
    /// An entry of a whole kind's dictionary beside its heap blocks (66 bytes measured).
    package static let kindEntryOverhead = 66

    /// A heap block holding `payload` bytes: malloc's 16-byte granules, its header, and Swift's
    /// 32-byte object header.
    package static func heapBytes(payload: Int) -> Int { 48 + (payload + 15) & ~15 }

    /// The heap block of a string, none when it is short enough to be stored inline.
    package static func heapBytes(_ string: String) -> Int { string.utf8.count <= 15 ? 0 : heapBytes(payload: string.utf8.count + 1) }

    /// The heap blocks of one cached key and its set (none for a key known to be absent).
    package static func size(_ key: AuditIndexKey, _ set: AuditSeqSet?) -> Int {
        heapBytes(key.value) + (set.map { heapBytes(payload: $0.serializedCount) } ?? 0)
    }

    /// One whole kind's sets in one chunk.
    package static func size(kind sets: [AuditIndexKey: AuditSeqSet]) -> Int {
        sets.reduce(64) { $0 + kindEntryOverhead + size($1.key, $1.value) }
    }

    /// One prefix probe: its key and the values found.
    package static func size(_ key: PrefixKey, _ values: Set<String>) -> Int {
        values.reduce(entryOverhead + heapBytes(key.prefix)) { $0 + kindEntryOverhead + heapBytes($1) }
    }

    /// A rollup: its entry, its arrays' blocks, the counts' dictionary slots (as a kind's) and
    /// every heap-held string.
    package static func size(_ rollup: AuditChunkRollup) -> Int {
        entryOverhead + heapBytes(payload: rollup.minutes.count * 16) + heapBytes(payload: rollup.actorColumn.count)
            + rollup.counts.keys.reduce(64) { $0 + kindEntryOverhead + heapBytes($1.value) }
            + heapBytes(payload: rollup.actors.count * MemoryLayout<AuditChunkRollup.Actor>.stride)
            + rollup.actors.reduce(0) { $0 + heapBytes($1.id) }
    }

    /// A chunk head: its entry, its present set and its time column.
    package static func size(_ head: AuditChunkRead) -> Int {
        entryOverhead + heapBytes(payload: head.present.serializedCount) + heapBytes(payload: (head.times?.count ?? 0) * 8)
    }
}
