import AuditTrail
import Synchronization

/// Decoded sets of the chunks in the index file, kept in memory up to a byte budget: a stored
/// chunk never changes (it is written once; a rebuild writes the same sets), so a set read once
/// serves every later search without a read or a decode. Keys a chunk lacks are remembered too.
/// When the budget is exceeded, the oldest half of the entries is dropped.
final class SQLiteIndexCache: Sendable {
    struct Key: Hashable, Sendable {
        var chunk: Int64
        var key: AuditIndexKey
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
        var bytes = 0
    }

    struct Probed<Value: Sendable>: Sendable {
        /// Every stored chunk up to this one was probed.
        var through: Int64
        var value: Value
    }

    struct PrefixKey: Hashable, Sendable {
        var kind: AuditIndexKey.Kind
        var prefix: String
    }

    /// The most probe results kept (each is small); past it they are all dropped.
    static let probeEntries = 20_000

    /// The stored chunks holding `key`, as probed up to a chunk, if cached.
    func chunks(containing key: AuditIndexKey) -> Probed<[Int64]>? { state.withLock { $0.keyChunks[key] } }

    func store(chunks: [Int64], containing key: AuditIndexKey, through: Int64) {
        guard budget > 0 else { return }
        state.withLock { state in
            if state.keyChunks.count >= Self.probeEntries { state.keyChunks = [:] }
            state.keyChunks[key] = Probed(through: through, value: chunks)
        }
    }

    /// The stored values of `kind` with `prefix`, as probed up to a chunk, if cached.
    func values(_ kind: AuditIndexKey.Kind, prefix: String) -> Probed<Set<String>>? {
        state.withLock { $0.prefixValues[PrefixKey(kind: kind, prefix: prefix)] }
    }

    func store(values: Set<String>, _ kind: AuditIndexKey.Kind, prefix: String, through: Int64) {
        guard budget > 0 else { return }
        state.withLock { state in
            if state.prefixValues.count >= Self.probeEntries / 10 { state.prefixValues = [:] }
            state.prefixValues[PrefixKey(kind: kind, prefix: prefix)] = Probed(through: through, value: values)
        }
    }

    struct KindKey: Hashable, Sendable {
        var chunk: Int64
        var kind: AuditIndexKey.Kind
    }

    private let state = Mutex(State())
    let budget: Int

    init(budget: Int) {
        self.budget = budget
    }

    /// The cached sets of `keys` in `chunk` (an inner nil: known to be absent), and the keys not
    /// cached.
    func sets(_ chunk: Int64, _ keys: [AuditIndexKey]) -> (found: [AuditIndexKey: AuditSeqSet?], missing: [AuditIndexKey]) {
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
    func sets(_ chunk: Int64, kind: AuditIndexKey.Kind) -> [AuditIndexKey: AuditSeqSet]? {
        state.withLock { $0.kinds[KindKey(chunk: chunk, kind: kind)] }
    }

    /// Keeps every set of `kind` in `chunk`.
    func store(chunk: Int64, kind: AuditIndexKey.Kind, sets: [AuditIndexKey: AuditSeqSet]) {
        guard budget > 0 else { return }
        state.withLock { state in
            let entry = KindKey(chunk: chunk, kind: kind)
            guard state.kinds[entry] == nil else { return }
            state.kinds[entry] = sets
            state.kindOrder.append(entry)
            state.bytes += sets.reduce(0) { $0 + Self.size($1.key, $1.value) }
            Self.trim(&state, budget: budget)
        }
    }

    /// Forgets everything (the index file was emptied).
    func removeAll() { state.withLock { $0 = State() } }

    /// A stored rollup: a chunk's or a span's.
    enum RollupKey: Hashable, Sendable {
        case chunk(Int64)
        case span(Int64)
    }

    /// The cached rollup of a chunk or a span.
    func rollup(_ key: RollupKey) -> AuditChunkRollup? { state.withLock { $0.rollups[key] } }

    func store(_ key: RollupKey, rollup: AuditChunkRollup) {
        guard budget > 0 else { return }
        state.withLock { state in
            guard state.rollups[key] == nil else { return }
            state.rollups[key] = rollup
            state.bytes += Self.size(rollup)
            Self.trim(&state, budget: budget)
        }
    }

    /// The cached head of `chunk` (present set, time bounds, time column when it was read).
    func chunk(_ chunk: Int64) -> AuditChunkRead? { state.withLock { $0.chunks[chunk] } }

    func store(chunk: Int64, read: AuditChunkRead, keys: [AuditIndexKey]) {
        guard budget > 0 else { return }
        state.withLock { state in
            var head = read
            head.sets = [:]
            if let old = state.chunks[chunk], old.times != nil, head.times == nil { head.times = old.times }
            if state.chunks[chunk] == nil { state.bytes += Self.size(head) }
            state.chunks[chunk] = head
            for key in keys {
                let entry = Key(chunk: chunk, key: key)
                guard state.sets[entry] == nil else { continue }
                let set = read.sets[key]
                state.sets[entry] = .some(set)
                state.order.append(entry)
                state.bytes += Self.size(key, set)
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
            state.sets.reduce(0) { $0 + size($1.key.key, $1.value) }
            + state.kinds.values.reduce(0) { total, sets in total + sets.reduce(0) { $0 + size($1.key, $1.value) } }
    }

    /// What one cached entry costs: its key, its set (none for a key known to be absent), and
    /// the dictionary's overhead.
    static func size(_ key: AuditIndexKey, _ set: AuditSeqSet?) -> Int { 48 + key.value.utf8.count + (set?.serializedCount ?? 0) }

    static func size(_ rollup: AuditChunkRollup) -> Int {
        64 + rollup.minutes.count * 16 + rollup.counts.count * 64 + rollup.actors.reduce(0) { $0 + 40 + $1.id.utf8.count } + rollup.actorColumn.count
    }

    static func size(_ head: AuditChunkRead) -> Int { head.present.serializedCount + (head.times?.count ?? 0) * 8 + 64 }
}
