import AuditTrail
import NIOCore
import PostgresNIO
import Synchronization

/// `verify --indexes` on PostgreSQL: the core's ``AuditIndexCheck/verify(_:progress:)``, the
/// same check as the SQLite store's, over the reads below.
extension PostgresAuditStore: AuditDerivedDataStore {
    /// What the index cache holds (decoded sets, chunk heads, rollups, probes), against
    /// ``Configuration/indexCacheMiB``.
    public var derivedDataCacheBytes: Int? { indexCache.accountedBytes }

    /// Checks every piece of derived data against the canonical bytes, chunk by chunk in seq
    /// order (``AuditIndexCheck/verify(_:progress:)``): each row's copies of its fields (the
    /// columns of `events`, and its id in `event_ids`), every chunk and span in `index_chunks`,
    /// `index_sets` and `index_spans`, and `action_counts`. A complete chunk missing from
    /// `index_chunks` is reported; the newest, incomplete chunk lives in each instance's memory.
    public func verifyDerivedData(progress: (@Sendable (_ checked: Int64, _ headSeq: Int64) -> Void)? = nil) async throws -> AuditIndexVerification {
        try await AuditIndexCheck.verify(try await indexTail.snapshot(of: self), progress: progress)
    }

    // MARK: Derived data as stored (``AuditIndexStorage``'s reads for the check)

    /// The rows with the columns copied from their events. The id is copied twice, in `events.id`
    /// and in `event_ids` (the id look-up's table): the row's id copy is `events.id` when
    /// `event_ids` holds exactly that id for the seq, and nil (disagreeing) otherwise.
    package func indexRowsWithCopies(
        after: Int64,
        through: Int64,
        limit: Int
    ) async throws -> [(event: AuditStoredEvent, copies: AuditIndexCheck.RowCopies)] {
        guard limit > 0, after < through else { return [] }
        return try await read("verify") { connection in
            let rows = try await connection.checkedQuery(
                """
                SELECT e.seq, e.id, e.canonical, e.hash, e.time, e.received_at, e.action, e.category, e.severity, e.outcome,
                    (SELECT count(*) = 1 AND bool_and(i.id = e.id) FROM \(unescaped: s).event_ids i WHERE i.seq = e.seq)
                FROM \(unescaped: s).events e WHERE e.seq > \(after) AND e.seq <= \(through) ORDER BY e.seq LIMIT \(limit)
                """,
                logger: logger
            )
            var out: [(event: AuditStoredEvent, copies: AuditIndexCheck.RowCopies)] = []
            let columns = rows.decode((Int64, String, ByteBuffer, ByteBuffer, Int64, Int64, String, String, Int16, Int16, Bool?).self)
            for try await (seq, id, canonical, hash, time, received, action, category, severity, outcome, idIndexed) in columns {
                guard let hash = AuditHash(bytes: hash.readableBytesView) else {
                    throw AuditTrailError(.tampered, "the stored chain hash of seq \(seq) is not 32 bytes", seq: seq)
                }
                let copies = AuditIndexCheck.RowCopies(
                    id: idIndexed == true ? id : nil,
                    time: time,
                    receivedAt: received,
                    action: action,
                    category: category,
                    severity: Int64(severity),
                    outcome: Int64(outcome)
                )
                out.append((AuditStoredEvent(seq: seq, id: id, canonical: Array(canonical.readableBytesView), hash: hash), copies))
            }
            return out
        }
    }

    package func storedChunkForms(_ chunk: Int64) async throws -> AuditStoredChunk? {
        try await read("verify") { connection -> AuditStoredChunk? in
            var found: AuditStoredChunk?
            let head = try await connection.checkedQuery(
                "SELECT events, min_time, max_time, present, times, rollup FROM \(unescaped: s).index_chunks WHERE chunk = \(chunk)",
                logger: logger
            )
            for try await (events, low, high, present, times, rollup) in head.decode(
                (Int32, Int64?, Int64?, ByteBuffer, ByteBuffer, ByteBuffer).self
            ) {
                found = AuditStoredChunk(
                    chunk: chunk,
                    events: Int64(events),
                    timeBounds: low.flatMap { low in high.map { low <= $0 ? low...$0 : $0...low } },
                    present: Array(present.readableBytesView),
                    times: Array(times.readableBytesView),
                    sets: [:],
                    rollup: Array(rollup.readableBytesView)
                )
            }
            guard var stored = found else { return nil }
            let sets = try await connection.checkedQuery(
                "SELECT kind, key, events FROM \(unescaped: s).index_sets WHERE chunk = \(chunk)",
                logger: logger
            )
            for try await (kind, value, events) in sets.decode((Int16, String, ByteBuffer).self) {
                guard let kind = UInt8(exactly: kind).flatMap(AuditIndexKey.Kind.init(rawValue:)) else {
                    throw Self.corrupt("a set of chunk \(chunk) has an unknown kind")
                }
                for (held, bytes) in AuditPackedSets.storedForms(row: value, events: Array(events.readableBytesView)) {
                    stored.sets[AuditIndexKey(kind, held)] = bytes
                }
            }
            return stored
        }
    }

    package func storedSpanRollupBytes(_ span: Int64) async throws -> [UInt8]? {
        try await read("verify") { connection -> [UInt8]? in
            let rows = try await connection.checkedQuery("SELECT rollup FROM \(unescaped: s).index_spans WHERE span = \(span)", logger: logger)
            for try await bytes in rows.decode(ByteBuffer.self) { return Array(bytes.readableBytesView) }
            return nil
        }
    }

    package func storedActionCounts() async throws -> [String: Int64] {
        try await seenActions()
    }
}

extension PostgresAuditStore {
    /// Builds the derived data again from the canonical bytes (`audittrail reindex`): empties
    /// `index_chunks`, `index_sets` and `index_spans` and writes every complete chunk again from
    /// one walk over the rows (the core's ``AuditIndexStorage/rebuildWalk(progress:)``,
    /// as for SQLite), and rewrites `action_counts` when a count is wrong.
    ///
    /// A row whose copies of its fields differ from its canonical bytes is left as it is and
    /// counted (``AuditDerivedDataRebuild/rowsLeft``): the log's tables refuse every `UPDATE`, to
    /// the owner too, so such a row was changed past the triggers — evidence that
    /// `verify --indexes` then names, not derived data to overwrite. Stop the servers on the
    /// schema first: each keeps its cache and its in-memory chunk until it restarts.
    public func rebuildDerivedData(progress: (@Sendable (_ done: Int64, _ headSeq: Int64) -> Void)? = nil) async throws -> AuditDerivedDataRebuild {
        _ = try await transaction("reindex") { connection in
            for table in ["index_sets", "index_chunks", "index_spans"] {
                try await connection.checkedQuery("DELETE FROM \(unescaped: s).\(unescaped: table)", logger: logger)
            }
        }
        let (walked, repairs, actions) = try await rebuildWalk(progress: progress)
        let actionCountsRepaired = try await transaction("reindex action counts") { connection -> Int in
            // The head's row held: no append can change the counts meanwhile.
            let head = try await self.lockedHead(on: connection)
            guard head.chain.seq == walked else {
                throw AuditTrailError(
                    .conflict,
                    "the log grew during the reindex (seq \(walked) → \(head.chain.seq)): stop the servers on it and run it again"
                )
            }
            let stored = try await self.actionCounts(on: connection)
            let wrong = AuditIndexCheck.miscountedActions(stored: stored, counted: actions).count
            guard wrong > 0 else { return 0 }
            try await connection.checkedQuery("DELETE FROM \(unescaped: s).action_counts", logger: logger)
            try await self.addActionCounts(actions, on: connection)
            return wrong
        }
        // Complete chunks from `memoryFrom` on are the in-memory tail's: written as it catches up.
        _ = try await indexTail.snapshot(of: self)
        return AuditDerivedDataRebuild(
            rowsRepaired: 0,
            rowsLeft: repairs.count,
            actionCountsRepaired: actionCountsRepaired,
            chunksBuilt: try await storedChunks().count
        )
    }
}
