import Logging
import Synchronization

/// The newest chunks of the search index, in memory until they are complete and persisted: fed by
/// this process's appends (their decoded events, no extra read), and caught up from the stored
/// rows for rows another process (or server instance) appended. Every chunk below ``memoryFrom``
/// is persisted. ``snapshot(of:)`` catches up and hands one search its view.
package final class AuditIndexTail: Sendable {
    package struct State: Sendable {
        /// The chunks from `memoryFrom` on that hold indexed events.
        package var chunks: [Int64: AuditChunkIndex] = [:]
        /// The first chunk kept in memory; every chunk below it is in the index file.
        package var memoryFrom: Int64
        /// Every committed seq up to this one is indexed (in `chunks` or the file).
        package var indexedThrough: Int64
        /// Rows this process appended, not yet indexed, ascending (the prepared events are shared,
        /// not copied).
        package var pending: [(seq: Int64, prepared: PreparedAuditEvent)] = []
    }

    package let state: Mutex<State>
    /// The rollup of each in-memory chunk as of its newest seq (stats ask for it at every
    /// request; it is computed again only when the chunk has grown).
    package let rollups = Mutex<[Int64: (lastSeq: Int64?, rollup: AuditChunkRollup)]>([:])
    /// One catch-up at a time.
    package let gate = AuditSerialGate()

    package init(memoryFrom: Int64, indexedThrough: Int64) {
        state = Mutex(State(memoryFrom: memoryFrom, indexedThrough: indexedThrough))
    }

    /// The most rows kept for the next catch-up; past it they are dropped and read back from
    /// the stored rows instead, so that memory stays bounded when nothing catches up (a store
    /// appended to without its maintenance service or a search).
    package static let pendingLimit = 131_072

    /// Notes the events of an append that were stored (not those answered from an earlier
    /// append of the same client id), from the sealer's results, in order.
    package func appended(_ events: [PreparedAuditEvent], results: [AuditAppendResult]) {
        var created: [(seq: Int64, prepared: PreparedAuditEvent)] = []
        created.reserveCapacity(events.count)
        for (event, result) in zip(events, results) where result.created { created.append((result.seq, event)) }
        appended(created)
    }

    /// Notes rows this process committed (their seqs ascending); indexed at the next catch-up.
    package func appended(_ rows: [(seq: Int64, prepared: PreparedAuditEvent)]) {
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

extension AuditIndexTail {
    /// The index as of now, for one search: this process's appends and other processes' rows
    /// indexed, and complete chunks persisted.
    package func snapshot<Storage: AuditIndexStorage>(of storage: Storage) async throws -> AuditIndexSnapshot<Storage> {
        try await gate.withLock {
            // The chunks are moved out of the state (not copied), so that adding to them does not
            // copy a whole chunk; they go back, with the new rows, before the gate opens.
            var (chunks, memoryFrom, through, pending) = state.withLock { state in
                defer {
                    state.pending = []
                    state.chunks = [:]
                }
                return (state.chunks, state.memoryFrom, state.indexedThrough, state.pending)
            }
            let startedFrom = memoryFrom
            let geometry = storage.indexGeometry
            let bounds: (head: Int64, removedThrough: Int64)
            do {
                bounds = try await storage.indexBounds()
                func add(_ seq: Int64, _ event: AuditEvent) {
                    let chunk = geometry.chunk(seq)
                    if chunk >= memoryFrom {
                        chunks[chunk, default: AuditChunkIndex(chunk: chunk, geometry: geometry)].add(seq: seq, event: event)
                    }
                    through = seq
                }
                // Complete chunks are persisted as soon as they are complete, so that catching up
                // on millions of rows (appended by another process, or with no search for a long
                // time) holds one chunk in memory, not all of them; a failed write keeps them in
                // memory for the next try.
                var writeFailed = false
                func flush() async {
                    while !writeFailed, let index = chunks[memoryFrom], geometry.seqs(memoryFrom).upperBound <= through {
                        do {
                            try await storage.persistIndexChunk(index)
                            chunks[memoryFrom] = nil
                            memoryFrom += 1
                        } catch {
                            storage.indexLogger.warning(
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
                        let rows = try await storage.indexRows(after: after, limit: Int(min(10_000, target - after)))
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
                // refilled from the stored rows at the next catch-up.
                state.withLock { state in
                    state.chunks = [:]
                    state.memoryFrom = startedFrom
                    state.indexedThrough = geometry.seqs(startedFrom).lowerBound - 1
                }
                throw error
            }
            state.withLock { state in
                state.chunks = chunks
                state.memoryFrom = memoryFrom
                state.indexedThrough = through
            }
            // A chunk another process persisted while this one still holds it in memory is read
            // from memory only (listing it twice would answer its events twice).
            return AuditIndexSnapshot(
                stored: try await storage.storedChunks().filter { $0 < memoryFrom },
                storage: storage,
                memory: chunks,
                memoryFrom: memoryFrom,
                head: through,
                removedThrough: bounds.removedThrough
            )
        }
    }
}
