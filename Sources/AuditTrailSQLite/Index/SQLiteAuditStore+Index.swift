import AuditTrail
import Logging
import Synchronization

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

    /// The index as of now, for one search: this process's appends and other processes' rows
    /// indexed, complete chunks written to the index file, and chunks the file lacks (an index
    /// deleted or from an older release) built from the events first.
    func indexSnapshot() async throws -> SQLiteIndexSnapshot {
        try await buildMissingChunks()
        return try await indexTail.gate.withLock {
            // The chunks are moved out of the state (not copied), so that adding to them does not
            // copy a whole chunk; they go back, with the new rows, before the gate opens.
            var (chunks, memoryFrom, through, pending) = indexTail.state.withLock { state in
                defer {
                    state.pending = []
                    state.chunks = [:]
                }
                return (state.chunks, state.memoryFrom, state.indexedThrough, state.pending)
            }
            let startedFrom = memoryFrom
            let geometry = indexGeometry
            let bounds: (head: Int64, removedThrough: Int64)
            do {
                bounds = try await search("index") { try $0.searchBounds() }
                func add(_ seq: Int64, _ event: AuditEvent) {
                    let chunk = geometry.chunk(seq)
                    if chunk >= memoryFrom {
                        chunks[chunk, default: AuditChunkIndex(chunk: chunk, geometry: geometry)].add(seq: seq, event: event)
                    }
                    through = seq
                }
                // Complete chunks go to the file as soon as they are complete, so that catching up
                // on millions of rows (appended by another process, or with no search for a long
                // time) holds one chunk in memory, not all of them; a failed write keeps them in
                // memory for the next try.
                var writeFailed = false
                func flush() async {
                    while !writeFailed, let index = chunks[memoryFrom], geometry.seqs(memoryFrom).upperBound <= through {
                        do {
                            try await writeIndexChunk(index)
                            chunks[memoryFrom] = nil
                            memoryFrom += 1
                        } catch {
                            logger.warning(
                                "audit index chunk not written; will retry",
                                metadata: ["audit.index.chunk": "\(memoryFrom)", "error": "\(error)"]
                            )
                            writeFailed = true
                        }
                    }
                }
                // Rows committed by another process (or before this one started) are read back.
                func fill(through target: Int64) async throws {
                    while through < target {
                        let after = through
                        let rows = try await search("index") { try $0.rows(after: after, limit: Int(min(10_000, target - after))) }
                        for row in rows where row.seq <= target { add(row.seq, try row.decoded()) }
                        if rows.isEmpty || rows.last!.seq >= target { through = max(through, target) }
                        await flush()
                    }
                }
                for row in pending where row.seq > through {
                    if row.seq > through + 1 { try await fill(through: row.seq - 1) }
                    add(row.seq, row.prepared.event)
                }
                if bounds.head > through { try await fill(through: bounds.head) }
                await flush()
                if chunks.isEmpty { memoryFrom = max(memoryFrom, geometry.chunk(through + 1)) }
            } catch {
                // What was added is not known to be whole: the in-memory chunks are dropped and
                // refilled from the events at the next catch-up.
                indexTail.state.withLock { state in
                    state.chunks = [:]
                    state.memoryFrom = startedFrom
                    state.indexedThrough = geometry.seqs(startedFrom).lowerBound - 1
                }
                throw error
            }
            indexTail.state.withLock { state in
                state.chunks = chunks
                state.memoryFrom = memoryFrom
                state.indexedThrough = through
            }
            let stored = try await search("index") { try $0.storedChunks() }
            return SQLiteIndexSnapshot(
                stored: stored,
                geometry: geometry,
                store: self,
                memory: chunks,
                memoryFrom: memoryFrom,
                head: through,
                removedThrough: bounds.removedThrough
            )
        }
    }

    /// Writes a complete chunk to the index file.
    func writeIndexChunk(_ index: AuditChunkIndex) async throws {
        guard !isClosed else { throw AuditTrailError(.storeFailure, "the SQLite store is closed") }
        try await indexGate.withLock {
            do {
                try await indexWriter.perform { try $0.writeChunk(index) }
            } catch {
                throw storeFailure("index write", error)
            }
        }
    }

    /// `chunk`'s index built from the stored rows (those after `removedThrough`, up to `head`),
    /// handing each row, decoded, with the copies of its fields kept beside it, to `row`: the one
    /// walk that builds, checks (`verify --indexes`) and rebuilds (`reindex`) the index.
    /// - Throws: `.tampered` naming the seq of a row whose bytes are not an event.
    func rebuiltChunk(
        _ chunk: Int64,
        removedThrough: Int64,
        head: Int64,
        _ operation: String,
        row: (AuditStoredEvent, AuditEvent, AuditIndexCheck.RowCopies) -> Void = { _, _, _ in }
    ) async throws -> AuditChunkIndex {
        let seqs = indexGeometry.seqs(chunk)
        var index = AuditChunkIndex(chunk: chunk, geometry: indexGeometry)
        var after = max(seqs.lowerBound - 1, removedThrough)
        let through = min(seqs.upperBound, head)
        while after < through {
            let from = after
            let rows = try await search(operation) { try $0.rowsWithCopies(after: from, through: through, limit: 10_000) }
            guard let last = rows.last else { break }
            for (stored, copies) in rows {
                let event: AuditEvent
                do {
                    event = try stored.decoded()
                } catch {
                    throw AuditTrailError(.tampered, "the stored bytes are not an event: \(error.message)", seq: stored.seq)
                }
                row(stored, event, copies)
                index.add(seq: stored.seq, event: event)
            }
            after = last.0.seq
        }
        return index
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
            let clock = ContinuousClock()
            let start = clock.now
            for (done, chunk) in todo.enumerated() {
                let built = try await rebuiltChunk(chunk, removedThrough: bounds.removedThrough, head: bounds.head, "index build")
                try await indexWriter.perform { try $0.writeChunk(built) }
                if done % 16 == 15 {
                    logger.info("audit index: built \(done + 1) of \(todo.count) chunks", metadata: ["audit.index.chunk": "\(chunk)"])
                }
            }
            logger.notice("audit index built", metadata: ["audit.index.chunks": "\(todo.count)", "audit.index.duration": "\(clock.now - start)"])
        }
        indexBuilt.withLock { $0 = true }
    }
}
