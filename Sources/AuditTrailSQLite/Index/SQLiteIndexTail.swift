import AuditTrail
import Synchronization

/// The newest chunks of the search index, in memory until they are complete and written to the
/// index file: fed by this process's appends (their decoded events, no extra read), and caught up
/// from the events table for rows another process appended. Every chunk below ``memoryFrom`` is
/// in the index file.
final class SQLiteIndexTail: Sendable {
    struct State: Sendable {
        /// The chunks from `memoryFrom` on that hold indexed events.
        var chunks: [Int64: AuditChunkIndex] = [:]
        /// The first chunk kept in memory; every chunk below it is in the index file.
        var memoryFrom: Int64
        /// Every committed seq up to this one is indexed (in `chunks` or the file).
        var indexedThrough: Int64
        /// Rows this process appended, not yet indexed, ascending (the prepared events are shared,
        /// not copied).
        var pending: [(seq: Int64, prepared: PreparedAuditEvent)] = []
    }

    let state: Mutex<State>
    /// The rollup of each in-memory chunk as of its newest seq (stats ask for it at every
    /// request; it is computed again only when the chunk has grown).
    let rollups = Mutex<[Int64: (lastSeq: Int64?, rollup: AuditChunkRollup)]>([:])
    /// One catch-up at a time.
    let gate = SQLiteSerialGate()

    init(memoryFrom: Int64, indexedThrough: Int64) {
        state = Mutex(State(memoryFrom: memoryFrom, indexedThrough: indexedThrough))
    }

    /// The most rows kept for the next catch-up; past it they are dropped and read back from
    /// the events table instead, so that memory stays bounded when nothing catches up (a store
    /// appended to without ``SQLiteAuditStore/run()`` or a search).
    static let pendingLimit = 131_072

    /// Notes rows this process committed (their seqs ascending); indexed at the next catch-up.
    func appended(_ rows: [(seq: Int64, prepared: PreparedAuditEvent)]) {
        guard !rows.isEmpty else { return }
        state.withLock { state in
            if state.pending.count + rows.count > Self.pendingLimit {
                state.pending = []
            } else {
                state.pending.append(contentsOf: rows)
            }
        }
    }
}

/// What one search reads: the stored chunks (through a searcher connection) and a copy of the
/// in-memory chunks taken when the search started, up to the seqs committed then.
struct SQLiteIndexSnapshot: AuditIndexSource {
    /// The chunks in the index file, ascending.
    let stored: [Int64]
    let geometry: AuditIndexGeometry
    let store: SQLiteAuditStore
    let memory: [Int64: AuditChunkIndex]
    let memoryFrom: Int64
    let head: Int64
    /// Events up to this seq were removed by retention.
    let removedThrough: Int64

    func chunkBounds() async throws -> ClosedRange<Int64>? {
        guard head > removedThrough else { return nil }
        return geometry.chunk(removedThrough + 1)...geometry.chunk(head)
    }

    /// Stored chunks are probed once per key: later searches probe only chunks stored since.
    func chunks(containing key: AuditIndexKey) async throws -> [Int64] {
        let cached = store.indexCache.chunks(containing: key)
        let unprobed = stored.filter { $0 > cached?.through ?? Int64.min }
        var found = cached?.value ?? []
        if !unprobed.isEmpty {
            found += try await store.search("index") { try $0.storedChunks(containing: key, among: unprobed) }
            if let last = stored.last { store.indexCache.store(chunks: found, containing: key, through: last) }
        }
        // Retention removes the oldest chunks only: those cached from before are cut off here.
        let oldest = stored.first ?? Int64.max
        return found.filter { $0 >= oldest } + memory.filter { $0.value.set(key) != nil }.keys.sorted()
    }

    /// Stored chunks are searched once per prefix: later searches read only chunks stored since.
    /// A prefix with more than `limit` values is not kept (it is refused anyway).
    func values(_ kind: AuditIndexKey.Kind, prefix: String, limit: Int) async throws -> [String] {
        let cached = store.indexCache.values(kind, prefix: prefix)
        let unprobed = stored.filter { $0 > cached?.through ?? Int64.min }
        var storedValues = cached?.value ?? []
        if !unprobed.isEmpty {
            storedValues.formUnion(
                try await store.search("index") { try $0.storedValues(kind, prefix: prefix, limit: limit, among: unprobed) }
            )
            if storedValues.count <= limit, let last = stored.last {
                store.indexCache.store(values: storedValues, kind, prefix: prefix, through: last)
            }
        }
        var values = Set(storedValues.map { AuditIndexKey(kind, $0) })
        for index in memory.values { values.formUnion(index.keys(kind, prefix: prefix)) }
        return Array(values.sorted().map(\.value).prefix(limit))
    }

    func read(chunk: Int64, keys: [AuditIndexKey], times: Bool) async throws -> AuditChunkRead {
        var read: AuditChunkRead
        if chunk >= memoryFrom {
            guard let index = memory[chunk] else { return AuditChunkRead(sets: [:], present: AuditSeqSet(), timeBounds: nil, times: nil) }
            read = index.read(keys: keys, times: times)
        } else {
            read = try await readStored(chunk, keys: keys, times: times)
        }
        // Events removed by retention since the chunk was indexed are not there any more.
        let seqs = geometry.seqs(chunk)
        if removedThrough >= seqs.lowerBound {
            let kept = Int(min(geometry.size, removedThrough - seqs.lowerBound + 1))
            read.present = read.present.subtracting(AuditSeqSet(range: 0..<kept))
        }
        return read
    }

    /// A stored chunk, from the cache where it has the sets (and the time column when asked),
    /// else from the index file (then cached).
    private func readStored(_ chunk: Int64, keys: [AuditIndexKey], times: Bool) async throws -> AuditChunkRead {
        let cache = store.indexCache
        let (found, missing) = cache.sets(chunk, keys)
        if missing.isEmpty, let head = cache.chunk(chunk), !times || head.times != nil {
            var read = head
            for (key, set) in found { read.sets[key] = set }
            return read
        }
        let stored = try await store.search("index") { try $0.readChunk(chunk, keys: missing, times: times) }
        guard var read = stored else { throw SQLiteRawConnection.corrupt("chunk \(chunk) is missing") }
        cache.store(chunk: chunk, read: read, keys: missing)
        for (key, set) in found { read.sets[key] = set }
        return read
    }

    func rollup(chunk: Int64) async throws -> AuditChunkRollup? {
        if chunk >= memoryFrom {
            guard let index = memory[chunk] else { return nil }
            if let hit = store.indexTail.rollups.withLock({ $0[chunk] }), hit.lastSeq == index.lastSeq { return hit.rollup }
            let rollup = AuditChunkRollup(index, canonical: false)
            store.indexTail.rollups.withLock { kept in
                kept = kept.filter { $0.key >= memoryFrom }
                kept[chunk] = (index.lastSeq, rollup)
            }
            return rollup
        }
        return try await storedRollup(.chunk(chunk))
    }

    func spanRollup(_ span: Int64) async throws -> AuditChunkRollup? {
        guard AuditIndexGeometry.chunks(ofSpan: span).upperBound < memoryFrom else { return nil }
        return try await storedRollup(.span(span))
    }

    /// A stored rollup, from the cache, else from the index file (then cached).
    private func storedRollup(_ key: SQLiteIndexCache.RollupKey) async throws -> AuditChunkRollup? {
        if let cached = store.indexCache.rollup(key) { return cached }
        let stored = try await store.search("index") { try $0.readRollup(key) }
        guard let rollup = stored else { return nil }
        store.indexCache.store(key, rollup: rollup)
        return rollup
    }

    func sets(chunk: Int64, kinds: [AuditIndexKey.Kind]) async throws -> [AuditIndexKey: AuditSeqSet] {
        if chunk >= memoryFrom { return memory[chunk]?.sets(of: kinds) ?? [:] }
        if kinds.count == 1, let cached = store.indexCache.sets(chunk, kind: kinds[0]) { return cached }
        var out: [AuditIndexKey: AuditSeqSet] = [:]
        for kind in kinds {
            if let cached = store.indexCache.sets(chunk, kind: kind) {
                out.merge(cached) { a, _ in a }
                continue
            }
            let read = try await store.search("index") { try $0.readSets(chunk, kinds: [kind]) }
            store.indexCache.store(chunk: chunk, kind: kind, sets: read)
            out.merge(read) { a, _ in a }
        }
        return out
    }
}
