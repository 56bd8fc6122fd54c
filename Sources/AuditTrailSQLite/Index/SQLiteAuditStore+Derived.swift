import AuditTrail
import Synchronization

extension SQLiteAuditStore: AuditDerivedDataStore {
    /// What the index cache holds (decoded sets, chunk heads, rollups, probes), against
    /// ``Configuration/indexCacheMiB``.
    public var derivedDataCacheBytes: Int? { indexCache.accountedBytes }

    /// Checks every piece of derived data against the canonical bytes with the core's
    /// ``AuditIndexCheck/verify(_:progress:)``: the rows' copies of their fields, every stored
    /// index chunk and span rollup, and `action_counts`.
    ///
    /// Complete chunks the index file lacks are built first (derived data that is missing is made
    /// again; derived data that is there must be right). The newest, incomplete chunk lives in
    /// memory only and is built from the rows at every start.
    public func verifyDerivedData(progress: (@Sendable (_ checked: Int64, _ headSeq: Int64) -> Void)? = nil) async throws -> AuditIndexVerification {
        try await AuditIndexCheck.verify(try await indexSnapshot(), progress: progress)
    }

    // MARK: Derived data as stored (``AuditIndexStorage``'s reads for the check)

    package func indexRowsWithCopies(
        after: Int64,
        through: Int64,
        limit: Int
    ) async throws -> [(event: AuditStoredEvent, copies: AuditIndexCheck.RowCopies)] {
        try await search("index") { try $0.rowsWithCopies(after: after, through: through, limit: limit) }
    }

    package func storedChunkForms(_ chunk: Int64) async throws -> AuditStoredChunk? {
        try await search("verify") { try $0.storedChunk(chunk) }
    }

    package func storedSpanRollupBytes(_ span: Int64) async throws -> [UInt8]? {
        try await search("verify") { try $0.storedSpanRollup(span) }
    }

    package func storedActionCounts() async throws -> [String: Int64] {
        try await search("verify") { try $0.actionCounts() }
    }
}

extension SQLiteAuditStore {
    /// Rebuilds every piece of derived data from the canonical bytes (`audittrail reindex`):
    /// rewrites the rows' copies of their fields where they differ (the one `UPDATE` of events,
    /// with the append-only trigger lifted inside that transaction), recounts `action_counts`,
    /// and empties the search index and builds it again. Run it with no server on the directory:
    /// a running server keeps what it has cached until it restarts.
    public func rebuildDerivedData(progress: (@Sendable (_ done: Int64, _ headSeq: Int64) -> Void)? = nil) async throws -> AuditDerivedDataRebuild {
        guard !isClosed else { throw AuditTrailError(.storeFailure, "the SQLite store is closed") }
        // The search index is emptied and forgotten, then built again in the one walk over the
        // rows that also finds the copies to repair and recounts the actions.
        try await indexGate.withLock {
            try await indexWriter.perform { writer in try writer.immediateTransaction { try writer.emptyIndex() } }
        }
        indexBuilt.withLock { $0 = false }
        let (_, repairs, actions) = try await rebuildWalk(progress: progress)
        let actionCountsRepaired = try await appendGate.withLock {
            try await eventWriter.perform { writer in
                try writer.immediateTransaction {
                    let stored = try writer.actionCounts()
                    let wrong = AuditIndexCheck.miscountedActions(stored: stored, counted: actions).count
                    if !repairs.isEmpty {
                        try writer.execute("DROP TRIGGER IF EXISTS events_refuse_update")
                        // Ids first moved out of the way, so that swapped ids never collide.
                        for repair in repairs {
                            try writer.run("UPDATE events SET id = '#reindex-' || seq WHERE seq = ?", bind: { $0.integer(1, repair.seq) })
                        }
                        let update = try writer.prepared(
                            "UPDATE events SET id = ?, time = ?, received_at = ?, action = ?, category = ?, severity = ?, outcome = ? WHERE seq = ?"
                        )
                        for repair in repairs {
                            try writer.run(
                                update,
                                bind: { b in
                                    b.text(1, repair.copies.id)
                                    b.integer(2, repair.copies.time)
                                    b.integer(3, repair.copies.receivedAt)
                                    b.text(4, repair.copies.action)
                                    b.text(5, repair.copies.category)
                                    b.integer(6, repair.copies.severity)
                                    b.integer(7, repair.copies.outcome)
                                    b.integer(8, repair.seq)
                                }
                            )
                        }
                        try writer.execute(SQLiteSchema.refuseEventUpdates)
                    }
                    if wrong > 0 {
                        try writer.execute("DELETE FROM action_counts")
                        try writer.addActionCounts(actions)
                    }
                    return wrong
                }
            }
        }
        try await buildMissingChunks()
        _ = try await indexSnapshot()
        let chunks = try await search("reindex") { try $0.storedChunks() }.count
        return AuditDerivedDataRebuild(rowsRepaired: repairs.count, actionCountsRepaired: actionCountsRepaired, chunksBuilt: chunks)
    }
}

extension SQLiteRawConnection {
    /// Up to `limit` rows with seq in `after…through`, in seq order, with the copies of their
    /// fields kept beside the canonical bytes.
    func rowsWithCopies(after: Int64, through: Int64, limit: Int) throws -> [(event: AuditStoredEvent, copies: AuditIndexCheck.RowCopies)] {
        var rows: [(event: AuditStoredEvent, copies: AuditIndexCheck.RowCopies)] = []
        try run(
            """
            SELECT seq, id, canonical, hash, time, received_at, action, category, severity, outcome
            FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?
            """,
            bind: { b in
                b.integer(1, after)
                b.integer(2, through)
                b.integer(3, Int64(limit))
            },
            row: { row in
                let seq = row.integer(0) ?? 0
                guard let hash = row.hash(3) else {
                    throw AuditTrailError(.tampered, "the stored event at seq \(seq) lacks a 32-byte hash", seq: seq)
                }
                let copies = AuditIndexCheck.RowCopies(
                    id: row.text(1),
                    time: row.integer(4),
                    receivedAt: row.integer(5),
                    action: row.text(6),
                    category: row.text(7),
                    severity: row.integer(8),
                    outcome: row.integer(9)
                )
                rows.append((AuditStoredEvent(seq: seq, id: row.text(1) ?? "", canonical: row.bytes(2), hash: hash), copies))
            }
        )
        return rows
    }

    /// One stored index chunk in its stored forms, or nil when the file lacks it.
    func storedChunk(_ chunk: Int64) throws -> AuditStoredChunk? {
        var found: AuditStoredChunk?
        try run(
            "SELECT events, min_time, max_time, present, times FROM ix.chunks WHERE chunk = ?",
            bind: { $0.integer(1, chunk) },
            row: { row in
                let bounds = row.integer(1).flatMap { low in row.integer(2).map { low <= $0 ? low...$0 : $0...low } }
                found = AuditStoredChunk(
                    chunk: chunk,
                    events: row.integer(0) ?? -1,
                    timeBounds: bounds,
                    present: row.bytes(3),
                    times: row.bytes(4),
                    sets: [:],
                    rollup: nil
                )
            }
        )
        guard var stored = found else { return nil }
        try run(
            "SELECT kind, key, events FROM ix.sets WHERE chunk = ?",
            bind: { $0.integer(1, chunk) },
            row: { row in
                guard let raw = row.integer(0), let kind = UInt8(exactly: raw).flatMap(AuditIndexKey.Kind.init(rawValue:)), let value = row.text(1)
                else {
                    throw Self.corrupt("a set of chunk \(chunk) has an unknown kind or no key")
                }
                for (held, events) in AuditPackedSets.storedForms(row: value, events: row.bytes(2)) {
                    stored.sets[AuditIndexKey(kind, held)] = events
                }
            }
        )
        try run("SELECT rollup FROM ix.rollups WHERE chunk = ?", bind: { $0.integer(1, chunk) }, row: { stored.rollup = $0.bytes(0) })
        return stored
    }

    /// A stored span's merged rollup as stored, or nil.
    func storedSpanRollup(_ span: Int64) throws -> [UInt8]? {
        var bytes: [UInt8]?
        try run("SELECT rollup FROM ix.spans WHERE span = ?", bind: { $0.integer(1, span) }, row: { bytes = $0.bytes(0) })
        return bytes
    }

    /// `action_counts` as stored.
    func actionCounts() throws -> [String: Int64] {
        var counts: [String: Int64] = [:]
        try run(
            "SELECT action, count FROM action_counts",
            row: { row in
                if let action = row.text(0) { counts[action, default: 0] += row.integer(1) ?? 0 }
            }
        )
        return counts
    }
}
