import Synchronization

/// What one search reads: the persisted chunks (through the store's ``AuditIndexStorage``, with
/// its cache) and a copy of the in-memory chunks taken when the search started, up to the seqs
/// committed then.
package struct AuditIndexSnapshot<Storage: AuditIndexStorage>: AuditIndexSource {
    /// The persisted chunks, ascending.
    package let stored: [Int64]
    package let storage: Storage
    package let memory: [Int64: AuditChunkIndex]
    package let memoryFrom: Int64
    /// Every seq up to this one is indexed.
    package let head: Int64
    /// Events up to this seq were removed by retention.
    package let removedThrough: Int64

    package var geometry: AuditIndexGeometry { storage.indexGeometry }

    package func chunkBounds() async throws -> ClosedRange<Int64>? {
        guard head > removedThrough else { return nil }
        return geometry.chunk(removedThrough + 1)...geometry.chunk(head)
    }

    /// Stored chunks are probed once per key: later searches probe only chunks stored since.
    package func chunks(containing key: AuditIndexKey) async throws -> [Int64] {
        let cached = storage.indexCache.chunks(containing: key)
        let unprobed = stored.filter { $0 > cached?.through ?? Int64.min }
        var found = cached?.value ?? []
        if !unprobed.isEmpty {
            found += try await storage.storedChunks(containing: key, among: unprobed)
            if let last = stored.last { storage.indexCache.store(chunks: found, containing: key, through: last) }
        }
        // Retention removes the oldest chunks only: those cached from before are cut off here.
        let oldest = stored.first ?? Int64.max
        return found.filter { $0 >= oldest } + memory.filter { $0.value.set(key) != nil }.keys.sorted()
    }

    /// Stored chunks are searched once per prefix: later searches read only chunks stored since.
    /// A prefix with more than `limit` values is not kept (it is refused anyway).
    package func values(_ kind: AuditIndexKey.Kind, prefix: String, limit: Int) async throws -> [String] {
        let cached = storage.indexCache.values(kind, prefix: prefix)
        let unprobed = stored.filter { $0 > cached?.through ?? Int64.min }
        var storedValues = cached?.value ?? []
        if !unprobed.isEmpty {
            storedValues.formUnion(
                try await storage.storedValues(kind, prefix: prefix, limit: limit, among: unprobed)
            )
            if storedValues.count <= limit, let last = stored.last {
                storage.indexCache.store(values: storedValues, kind, prefix: prefix, through: last)
            }
        }
        var values = Set(storedValues.map { AuditIndexKey(kind, $0) })
        for index in memory.values { values.formUnion(index.keys(kind, prefix: prefix)) }
        return Array(values.sorted().map(\.value).prefix(limit))
    }

    package func read(chunk: Int64, keys: [AuditIndexKey], times: Bool) async throws -> AuditChunkRead {
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
    /// else from the storage (then cached).
    private func readStored(_ chunk: Int64, keys: [AuditIndexKey], times: Bool) async throws -> AuditChunkRead {
        let cache = storage.indexCache
        let (found, missing) = cache.sets(chunk, keys)
        if missing.isEmpty, let head = cache.chunk(chunk), !times || head.times != nil {
            var read = head
            for (key, set) in found { read.sets[key] = set }
            return read
        }
        let stored = try await storage.readStoredChunk(chunk, keys: missing, times: times)
        guard var read = stored else {
            throw AuditTrailError(.storeFailure, "the search index is damaged (chunk \(chunk) is missing); rebuild it with audittrail reindex")
        }
        cache.store(chunk: chunk, read: read, keys: missing)
        for (key, set) in found { read.sets[key] = set }
        return read
    }

    package func rollup(chunk: Int64) async throws -> AuditChunkRollup? {
        if chunk >= memoryFrom {
            guard let index = memory[chunk] else { return nil }
            if let hit = storage.indexTail.rollups.withLock({ $0[chunk] }), hit.lastSeq == index.lastSeq { return hit.rollup }
            let rollup = AuditChunkRollup(index, canonical: false)
            storage.indexTail.rollups.withLock { kept in
                kept = kept.filter { $0.key >= memoryFrom }
                kept[chunk] = (index.lastSeq, rollup)
            }
            return rollup
        }
        return try await storedRollup(.chunk(chunk))
    }

    package func spanRollup(_ span: Int64) async throws -> AuditChunkRollup? {
        guard AuditIndexGeometry.chunks(ofSpan: span).upperBound < memoryFrom else { return nil }
        return try await storedRollup(.span(span))
    }

    /// A stored rollup, from the cache, else from the index file (then cached).
    private func storedRollup(_ key: AuditIndexCache.RollupKey) async throws -> AuditChunkRollup? {
        if let cached = storage.indexCache.rollup(key) { return cached }
        let stored = try await storage.readStoredRollup(key)
        guard let rollup = stored else { return nil }
        storage.indexCache.store(key, rollup: rollup)
        return rollup
    }

    package func sets(chunk: Int64, kinds: [AuditIndexKey.Kind]) async throws -> [AuditIndexKey: AuditSeqSet] {
        if chunk >= memoryFrom { return memory[chunk]?.sets(of: kinds) ?? [:] }
        if kinds.count == 1, let cached = storage.indexCache.sets(chunk, kind: kinds[0]) { return cached }
        var out: [AuditIndexKey: AuditSeqSet] = [:]
        for kind in kinds {
            if let cached = storage.indexCache.sets(chunk, kind: kind) {
                out.merge(cached) { a, _ in a }
                continue
            }
            let read = try await storage.readStoredSets(chunk, kinds: [kind])
            storage.indexCache.store(chunk: chunk, kind: kind, sets: read)
            out.merge(read) { a, _ in a }
        }
        return out
    }
}
