import AuditTrail
import Logging
import Synchronization

extension SQLiteAuditStore {
    /// The columns of one inserted event row, in this order: the four the chain assigns, then the
    /// id (looked up by `GET /v1/events/{id}` and idempotent re-sends) and the table's other
    /// required columns (bound by `SQLiteRawConnection.insert(_:)`). Searches read the index, not
    /// these copies; the nullable filter columns of older rows are left as they were.
    static let insertColumns = ["seq", "received_at", "canonical", "hash", "id", "time", "action", "category", "severity", "outcome"]

    /// The one-row `INSERT` the writer prepares once (placeholders in ``insertColumns`` order).
    static let insertSQL =
        "INSERT INTO events (" + insertColumns.joined(separator: ", ") + ") VALUES ("
        + Array(repeating: "?", count: insertColumns.count).joined(separator: ", ") + ")"

    /// Appends in one `BEGIN IMMEDIATE` transaction: reads what the core ``AuditSealer`` starts from
    /// (head, tree, client ids already stored), has it seal the new events in order (its idempotency rule), inserts them, updates the
    /// per-action counts and commits. On any failure it rolls back and the head stays where it was.
    /// Each new event's Merkle subtree hashes are inserted with its row; the store's tree builder
    /// advances only after the commit.
    ///
    /// An append of up to `rowsPerInsert` events is one job on the writer thread, sealing included;
    /// a larger one seals the next chunk on this task while the writer thread inserts the current one.
    /// The search index takes the new rows from the append (no read back) right after the commit,
    /// on the writer's thread, and indexes them later; an append first waits for it when it is
    /// its lag limit behind (``AuditIndexTail/append(in:after:_:)``).
    public func append(_ events: [PreparedAuditEvent]) async throws -> [AuditAppendResult] {
        guard !events.isEmpty else { return [] }
        guard !isClosed else { throw AuditTrailError(.storeFailure, "the SQLite store is closed") }
        let chunk = max(1, configuration.rowsPerInsert)
        return try await appendGate.withLock {
            let cached = cachedHead.withLock { $0 }
            let tree = merkleBuilder.withLock { $0 }
            let sealer: AuditSealer
            do {
                sealer = try await indexTail.append(in: self, after: cached?.seq ?? 0) {
                    guard events.count > chunk else {
                        return try await eventWriter.perform { [indexTail] writer in
                            let sealer = try writer.immediateTransaction {
                                var sealer = try writer.sealer(for: events, tree: tree)
                                let rows = sealer.sealAll(events)
                                try sealer.requireNoConflict()
                                try writer.insert(rows)
                                try writer.addActionCounts(sealer.actionCounts)
                                return sealer
                            }
                            // Right after the commit, on the writer's thread: a search that reads the new
                            // head a moment later finds these rows in the tail, not only in the table
                            // (reading them back would decode each one).
                            indexTail.appended(events, results: sealer.results)
                            return sealer
                        }
                    }
                    return try await appendPipelined(events, chunk: chunk, tree: tree)
                }
            } catch {
                throw storeFailure("append", error)
            }
            if let cached, sealer.start != cached {
                logger.warning(
                    "audit chain head moved outside this store; another process appended",
                    metadata: ["audit.chain.seq": "\(sealer.start.seq)", "audit.chain.cached_seq": "\(cached.seq)"]
                )
            }
            cachedHead.withLock { $0 = sealer.head }
            merkleBuilder.withLock { $0 = sealer.tree }
            return sealer.results
        }
    }

    /// A large append: the writer thread inserts one chunk while this task seals the next.
    private func appendPipelined(_ events: [PreparedAuditEvent], chunk: Int, tree: AuditMerkleTreeBuilder?) async throws -> AuditSealer {
        var sealer = try await eventWriter.perform { writer in
            try writer.execute("BEGIN IMMEDIATE")
            do {
                return try writer.sealer(for: events, tree: tree)
            } catch {
                writer.rollback()
                throw error
            }
        }
        do {
            var rows = sealer.seal(events, limit: chunk)
            while sealer.next < events.count {
                let current = rows
                async let inserted: Void = eventWriter.perform { try $0.insert(current) }
                rows = sealer.seal(events, limit: chunk)
                try await inserted
            }
            try sealer.requireNoConflict()
            let last = rows
            let counts = sealer.actionCounts
            let results = sealer.results
            try await eventWriter.perform { [indexTail] writer in
                try writer.insert(last)
                try writer.addActionCounts(counts)
                try writer.execute("COMMIT")
                indexTail.appended(events, results: results)
            }
            return sealer
        } catch {
            try? await eventWriter.perform { $0.rollback() }
            throw error
        }
    }
}
