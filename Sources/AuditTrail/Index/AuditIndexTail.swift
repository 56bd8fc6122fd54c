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
        /// While an append of this process is on its way (``append(in:after:_:)``): the first seq
        /// it may take. Its rows are committed before they are handed over, so a catch-up that
        /// sees a head at or past it waits for the handover instead of reading them back.
        package var handoverFrom: Int64?
    }

    package let state: Mutex<State>
    /// The rollup of each in-memory chunk as of its newest seq (stats ask for it at every
    /// request; it is computed again only when the chunk has grown).
    package let rollups = Mutex<[Int64: (lastSeq: Int64?, rollup: AuditChunkRollup)]>([:])
    /// One catch-up at a time.
    package let gate = AuditSerialGate()
    /// The upkeep loops running (``rounds(every:_:)``): while one runs, ``makeRoom(in:)`` leaves
    /// the catch-up to it.
    let upkeeps = Atomic<Int>(0)
    /// Set when an append waited ``upkeepWait`` for the upkeep in vain; cleared when a catch-up
    /// takes the waiting rows. While set, appends do not wait.
    let upkeepBehind = Atomic<Bool>(false)
    /// Rows the catch-ups read back from the store (rows another process appended, or this
    /// process's when ``pendingLimit`` dropped them, or after a start): a process appending alone
    /// reads none.
    let readBack = Atomic<Int>(0)
    /// How many rows the catch-ups read back from the store (see ``readBack``).
    package var rowsReadBack: Int { readBack.load(ordering: .relaxed) }

    /// How far this process's appends may run ahead of the index: with this many committed
    /// events waiting to be indexed, the next append first waits for a catch-up
    /// (``makeRoom(in:)``). Back-pressure: ingest runs no faster than the index is built, so a
    /// search waits for at most about twice this many events to be indexed (a catch-up in
    /// progress, then what waits) before it answers, at any ingest rate (without it, a search
    /// after 20 s of full-speed ingest waited 9 s).
    package let lagLimit: Int

    /// The default ``lagLimit``: one chunk, ~0.5 s of one core's indexing (16,384, 32,768, 65,536
    /// and 131,072 measured with `bench ingest --index-lag-limit`: this one was the fastest).
    package static let defaultLagLimit = 65_536

    /// From this many waiting events (a quarter of ``lagLimit``) the store's upkeep catches up at
    /// once rather than at its next round (``rounds(every:_:)``), so that appends seldom
    /// wait: the index is built on the other core while they go on.
    package var wakeAt: Int { max(1, lagLimit / 4) }

    /// The most rows kept for the next catch-up: twice ``lagLimit`` (131,072 by default, the
    /// bound before there was a lag limit); past it they are dropped and read back from the
    /// stored rows instead. Reached only while the upkeep is busy or failing (``makeRoom(in:)``
    /// bounds the rest): memory stays bounded even then.
    package var pendingLimit: Int { 2 * lagLimit }

    package init(memoryFrom: Int64, indexedThrough: Int64, lagLimit: Int = AuditIndexTail.defaultLagLimit) {
        state = Mutex(State(memoryFrom: memoryFrom, indexedThrough: indexedThrough))
        self.lagLimit = max(1, lagLimit)
    }

    /// Committed events of this process's appends not indexed yet.
    package var waiting: Int { state.withLock { $0.pending.count } }

    /// Notes the events of an append that were stored (not those answered from an earlier
    /// append of the same client id), from the sealer's results, in order.
    package func appended(_ events: [PreparedAuditEvent], results: [AuditAppendResult]) {
        var created: [(seq: Int64, prepared: PreparedAuditEvent)] = []
        created.reserveCapacity(events.count)
        for (event, result) in zip(events, results) where result.created { created.append((result.seq, event)) }
        appended(created)
    }

    /// How a store's append runs, under its append gate: first ``makeRoom(in:)`` (the lag
    /// bound), then `body`, which commits and hands its rows over with ``appended(_:results:)``
    /// right after its commit. Until then a catch-up that sees a head past `head` (the log's
    /// head as the store last knew it) waits for the handover instead of reading the rows back;
    /// a `body` that throws stored nothing.
    package func append<Storage: AuditIndexStorage, T>(
        in storage: Storage,
        after head: Int64,
        _ body: () async throws -> T
    ) async throws -> T {
        await makeRoom(in: storage)
        state.withLock { $0.handoverFrom = head + 1 }
        do {
            return try await body()
        } catch {
            state.withLock { $0.handoverFrom = nil }
            throw error
        }
    }

    /// Notes rows this process committed (their seqs ascending); indexed at the next catch-up.
    package func appended(_ rows: [(seq: Int64, prepared: PreparedAuditEvent)]) {
        state.withLock { state in
            state.handoverFrom = nil
            guard !rows.isEmpty else { return }
            if state.pending.count + rows.count > pendingLimit {
                state.pending = []
            } else {
                state.pending.append(contentsOf: rows)
            }
        }
    }
}

extension AuditIndexTail {
    /// Called before a store's append (``append(in:after:_:)``), under its append gate: when ``lagLimit``
    /// or more committed events wait to be indexed, waits until the store's upkeep has taken them
    /// (or, with no upkeep running, catches the index up itself): the back-pressure of
    /// ``lagLimit``. A search therefore indexes at most about ``lagLimit`` events itself, after a
    /// catch-up in progress.
    ///
    /// Ingest never stalls on a busy index: an upkeep that has not taken the rows within
    /// ``upkeepWait`` (building the chunks an index file lacks after a start, or a disk that
    /// refuses its writes) is not waited for again until it has taken them — appends go on, the
    /// rows wait in ``State/pending`` up to ``pendingLimit`` (past it they are read back later).
    /// A failed catch-up is logged and the append goes on (the index is derived data).
    package func makeRoom<Storage: AuditIndexStorage>(in storage: Storage) async {
        guard waiting >= lagLimit else { return }
        if upkeepRuns {
            if upkeepBehind.load(ordering: .relaxed) { return }
            // The upkeep (woken by these rows) takes them at the start of its next round and
            // indexes them while appends go on: the append waits only for that, so that indexing
            // and appending use both cores.
            let deadline = ContinuousClock.now + Self.upkeepWait
            while waiting >= lagLimit, ContinuousClock.now < deadline {
                do { try await Task.sleep(for: .milliseconds(1)) } catch { return }
            }
            if waiting >= lagLimit, !upkeepBehind.exchange(true, ordering: .relaxed) {
                storage.indexLogger.warning(
                    "audit index upkeep busy; appends go on without waiting for it until it catches up",
                    metadata: ["audit.index.waiting": "\(waiting)"]
                )
            }
            return
        }
        do {
            _ = try await catchUp(storage)
        } catch {
            if Task.isCancelled { return }
            storage.indexLogger.warning("audit index catch-up before an append failed", metadata: ["error": "\(error)"])
        }
    }

    /// The longest an append waits for the upkeep to take the waiting rows (``makeRoom(in:)``).
    package static let upkeepWait = Duration.seconds(5)

    /// A store's upkeep loop, until the task is cancelled: `round` (which catches the index up
    /// and does the store's other upkeep) after `interval`, or sooner as soon as ``wakeAt`` or
    /// more events wait to be indexed; then again. (The store runs its first round before.)
    package func rounds(every interval: Duration, _ round: () async -> Void) async {
        upkeeps.add(1, ordering: .relaxed)
        defer { upkeeps.subtract(1, ordering: .relaxed) }
        while !Task.isCancelled {
            do { try await waitForWork(atMost: interval) } catch { return }
            await round()
        }
    }

    /// Whether a store's upkeep loop (``rounds(every:_:)``) runs.
    package var upkeepRuns: Bool { upkeeps.load(ordering: .relaxed) > 0 }

    /// Returns after `interval`, or as soon as ``wakeAt`` or more events wait to be indexed
    /// (checked every 10 ms).
    /// - Throws: `CancellationError` when the task is cancelled.
    func waitForWork(atMost interval: Duration) async throws {
        let deadline = ContinuousClock.now + interval
        while ContinuousClock.now < deadline {
            if waiting >= wakeAt { return }
            try await Task.sleep(for: min(.milliseconds(10), deadline - ContinuousClock.now))
        }
    }

    /// The index as of now, for one search: this process's appends and other processes' rows
    /// indexed, and complete chunks persisted.
    package func snapshot<Storage: AuditIndexStorage>(of storage: Storage) async throws -> AuditIndexSnapshot<Storage> {
        try await gate.withLock {
            let (chunks, memoryFrom, through, removedThrough) = try await caughtUp(storage)
            // A chunk another process persisted while this one still holds it in memory is read
            // from memory only (listing it twice would answer its events twice).
            return AuditIndexSnapshot(
                stored: try await storage.storedChunks().filter { $0 < memoryFrom },
                storage: storage,
                memory: chunks,
                memoryFrom: memoryFrom,
                head: through,
                removedThrough: removedThrough
            )
        }
    }

    /// Catches up without a snapshot (``makeRoom(in:)``).
    private func catchUp<Storage: AuditIndexStorage>(_ storage: Storage) async throws {
        try await gate.withLock { _ = try await caughtUp(storage) }
    }

    /// The catch-up itself, under ``gate``: this process's appends and other processes' rows
    /// indexed, complete chunks persisted; returns the in-memory chunks, the first of them, the
    /// seq indexed through and the newest seq retention removed.
    private func caughtUp<Storage: AuditIndexStorage>(
        _ storage: Storage
    ) async throws -> (chunks: [Int64: AuditChunkIndex], memoryFrom: Int64, through: Int64, removedThrough: Int64) {
        // The head first, then this process's appended rows: every row committed up to the head
        // that this process appended is in `pending` by then (it is handed over right after its
        // commit; the wait below covers the moment in between), so only other processes' rows
        // are read back. (Taken the other way round,
        // every row committed while the head was being read was read back and decoded: under
        // single POSTs with the alert rules' followers searching at each commit, 13 % of the
        // server's CPU.)
        let bounds = try await storage.indexBounds()
        // An append of this process committed up to that head but not handed over yet (the
        // moment between its commit and ``appended(_:)``, on the writer's thread): waited for,
        // at most 200 ms (then its rows are read back).
        let handoverDeadline = ContinuousClock.now + .milliseconds(200)
        while let from = state.withLock({ $0.handoverFrom }), from <= bounds.head, ContinuousClock.now < handoverDeadline {
            try await Task.sleep(for: .microseconds(50))
        }
        // The chunks are moved out of the state (not copied), so that adding to them does not
        // copy a whole chunk; they go back, with the new rows, before the gate opens.
        var (chunks, memoryFrom, through, pending) = state.withLock { state in
            defer {
                state.pending = []
                state.chunks = [:]
            }
            return (state.chunks, state.memoryFrom, state.indexedThrough, state.pending)
        }
        upkeepBehind.store(false, ordering: .relaxed)
        let startedFrom = memoryFrom
        let geometry = storage.indexGeometry
        do {
            func add(_ seq: Int64, _ event: borrowing AuditEvent) {
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
                        // Cancelled (the store shuts down): not a failure; the next start writes it.
                        storage.indexLogger.log(
                            level: Task.isCancelled ? .debug : .warning,
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
                    readBack.add(rows.count, ordering: .relaxed)
                    for row in rows where row.seq <= target { add(row.seq, try row.decoded()) }
                    if rows.isEmpty || rows.last!.seq >= target { through = max(through, target) }
                    await flush()
                }
            }
            for index in pending.indices where pending[index].seq > through {
                let seq = pending[index].seq
                if seq > through + 1 { try await fill(through: seq - 1) }
                // Read through the shared event, not a copy of it (a copy retains every field).
                let prepared = pending[index].prepared
                add(seq, prepared.event)
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
        return (chunks, memoryFrom, through, bounds.removedThrough)
    }
}
