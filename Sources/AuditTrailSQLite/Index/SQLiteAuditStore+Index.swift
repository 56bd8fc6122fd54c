import AuditTrail
import Logging
import Synchronization

extension SQLiteAuditStore: AuditIndexStorage {
    package var indexLogger: Logger { logger }

    package func indexBounds() async throws -> (head: Int64, removedThrough: Int64) {
        try await search("index") { try $0.searchBounds() }
    }

    package func indexRows(after afterSeq: Int64, limit: Int) async throws -> [AuditStoredEvent] {
        try await search("index") { try $0.rows(after: afterSeq, limit: limit) }
    }

    package func indexEvents(seqs: [Int64]) async throws -> [AuditStoredEvent] {
        try await search("query") { try $0.events(seqs: seqs) }
    }

    package func storedChunks() async throws -> [Int64] {
        try await search("index") { try $0.storedChunks() }
    }

    package func storedChunks(containing key: AuditIndexKey, among stored: [Int64]) async throws -> [Int64] {
        try await search("index") { try $0.storedChunks(containing: key, among: stored) }
    }

    package func storedValues(_ kind: AuditIndexKey.Kind, prefix: String, limit: Int, among stored: [Int64]) async throws -> [String] {
        try await search("index") { try $0.storedValues(kind, prefix: prefix, limit: limit, among: stored) }
    }

    package func readStoredChunk(_ chunk: Int64, keys: [AuditIndexKey], times: Bool) async throws -> AuditChunkRead? {
        try await search("index") { try $0.readChunk(chunk, keys: keys, times: times) }
    }

    package func readStoredSets(_ chunk: Int64, kinds: [AuditIndexKey.Kind]) async throws -> [AuditIndexKey: AuditSeqSet] {
        try await search("index") { try $0.readSets(chunk, kinds: kinds) }
    }

    package func readStoredRollup(_ key: AuditIndexCache.RollupKey) async throws -> AuditChunkRollup? {
        try await search("index") { try $0.readRollup(key) }
    }
}

extension SQLiteAuditStore {
    /// Runs `body` on a searcher: a raw read-only handle on the events file with the index file
    /// attached as `ix`, on a reader thread.
    func search<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (SQLiteRawConnection) throws -> T) async throws -> T {
        guard !isClosed else { throw AuditTrailError(.storeFailure, "the SQLite store is closed") }
        do {
            let budget = AuditReadBudget.current
            try budget?.check()
            return try await searchers.withConnection { searcher in try await searcher.perform(within: budget, body) }
        } catch let error as AuditTrailError {
            throw error
        } catch {
            throw storeFailure(operation, error)
        }
    }

    /// The index as of now, for one search: chunks the index file lacks (an index deleted or from
    /// an older release) built from the events first, then the tail caught up
    /// (``AuditIndexTail/snapshot(of:)``).
    func indexSnapshot() async throws -> AuditIndexSnapshot<SQLiteAuditStore> {
        try await buildMissingChunks()
        return try await indexTail.snapshot(of: self)
    }

    /// The snapshot a search or stats request reads; while missing chunks are being built (by
    /// the store's service after a start) it does not wait behind them: it fails at once with
    /// `.unavailable` (503 and Retry-After), and ingest, reads by id, proofs and contiguous
    /// exports go on meanwhile.
    func searchSnapshot() async throws -> AuditIndexSnapshot<SQLiteAuditStore> {
        if let (done, of) = indexBuilding.withLock({ $0 }) {
            throw AuditTrailError(
                .unavailable,
                "the search index is being built from the events after a start (\(done) of \(of) chunks done); searches and stats answer once it is complete"
            )
        }
        return try await indexSnapshot()
    }

    /// Writes a complete chunk to the index file.
    package func persistIndexChunk(_ index: AuditChunkIndex) async throws {
        guard !isClosed else { throw AuditTrailError(.storeFailure, "the SQLite store is closed") }
        try await indexGate.withLock {
            do {
                try await indexWriter.perform { try $0.writeChunk(index) }
            } catch {
                throw storeFailure("index write", error)
            }
        }
    }

    /// Builds, from the events, every complete chunk below the in-memory ones that the index
    /// file lacks (after an upgrade or a deleted index file), newest first, logging progress.
    func buildMissingChunks() async throws {
        let missing = indexTail.state.withLock { $0.memoryFrom }
        guard missing > 0, !indexBuilt.withLock({ $0 }) else { return }
        try await indexGate.withLock {
            let bounds = try await search("index") { try $0.searchBounds() }
            let stored = Set(try await search("index") { try $0.storedChunks() })
            guard bounds.head > bounds.removedThrough else { return }
            let first = indexGeometry.chunk(bounds.removedThrough + 1)
            let todo = (first..<missing).filter { !stored.contains($0) }.reversed()
            guard !todo.isEmpty else { return }
            logger.notice("audit index: building \(todo.count) chunks from the events", metadata: ["audit.index.chunks": "\(todo.count)"])
            indexBuilding.withLock { $0 = (0, todo.count) }
            defer { indexBuilding.withLock { $0 = nil } }
            let clock = ContinuousClock()
            let start = clock.now
            for (done, chunk) in todo.enumerated() {
                let built = try await rebuiltChunk(chunk, removedThrough: bounds.removedThrough, head: bounds.head)
                try await indexWriter.perform { try $0.writeChunk(built) }
                indexBuilding.withLock { $0 = (done + 1, todo.count) }
                if done % 16 == 15 {
                    logger.info("audit index: built \(done + 1) of \(todo.count) chunks", metadata: ["audit.index.chunk": "\(chunk)"])
                }
            }
            logger.notice("audit index built", metadata: ["audit.index.chunks": "\(todo.count)", "audit.index.duration": "\(clock.now - start)"])
        }
        indexBuilt.withLock { $0 = true }
    }
}
