import AuditTrail
import Logging
import Synchronization

extension SQLiteAuditStore {
    /// The columns of one inserted event row, in this order: the four the chain assigns, then
    /// the ones derived from the event alone (bound by `SQLiteRawConnection.insert(_:)`).
    static let insertColumns = [
        "seq", "received_at", "canonical", "hash", "id", "time", "action", "category", "severity", "outcome", "actor_id",
        "actor_name", "actor_type", "resource_type", "resource_id", "ip", "correlation_id", "country", "risk", "tags",
        "compliance", "search",
    ]

    /// The one-row `INSERT` the writer prepares once (placeholders in ``insertColumns`` order).
    static let insertSQL =
        "INSERT INTO events (" + insertColumns.joined(separator: ", ") + ") VALUES ("
        + Array(repeating: "?", count: insertColumns.count).joined(separator: ", ") + ")"

    /// Appends in one `BEGIN IMMEDIATE` transaction: reads the head, skips client ids already stored
    /// (or earlier in the call), seals the new events in order, inserts them, updates the
    /// per-action counts and commits. On any failure it rolls back and the head stays where it was.
    /// Each new event's Merkle subtree hashes are inserted with its row; the store's tree builder
    /// advances only after the commit.
    ///
    /// An append of up to `rowsPerInsert` events is one job on the writer thread, sealing included;
    /// a larger one seals the next chunk on this task while the writer thread inserts the current one.
    public func append(_ events: [PreparedAuditEvent]) async throws -> [AuditAppendResult] {
        guard !events.isEmpty else { return [] }
        guard !isClosed else { throw AuditTrailError(.storeFailure, "the SQLite store is closed") }
        let chunk = max(1, configuration.rowsPerInsert)
        return try await appendGate.withLock {
            let cached = cachedHead.withLock { $0 }
            let merkle = merkleBuilder.withLock { $0 }
            let sealing: SQLiteSealing
            do {
                if events.count <= chunk {
                    sealing = try await eventWriter.perform { writer in
                        try writer.immediateTransaction {
                            var sealing = try SQLiteSealing(writer, events, merkle: merkle)
                            try writer.insert(sealing.seal(events, limit: events.count))
                            try writer.addActionCounts(sealing.actionCounts)
                            return sealing
                        }
                    }
                } else {
                    sealing = try await appendPipelined(events, chunk: chunk, merkle: merkle)
                }
            } catch {
                throw storeFailure("append", error)
            }
            if sealing.startHead != cached {
                logger.warning(
                    "audit chain head moved outside this store; another process appended",
                    metadata: ["audit.chain.seq": "\(sealing.startHead.seq)", "audit.chain.cached_seq": "\(cached.seq)"]
                )
            }
            cachedHead.withLock { $0 = sealing.head }
            merkleBuilder.withLock { $0 = sealing.merkle }
            return sealing.results
        }
    }

    /// A large append: the writer thread inserts one chunk while this task seals the next.
    private func appendPipelined(_ events: [PreparedAuditEvent], chunk: Int, merkle: AuditMerkleTreeBuilder?) async throws -> SQLiteSealing {
        var sealing = try await eventWriter.perform { writer in
            try writer.execute("BEGIN IMMEDIATE")
            do {
                return try SQLiteSealing(writer, events, merkle: merkle)
            } catch {
                writer.rollback()
                throw error
            }
        }
        do {
            var rows = sealing.seal(events, limit: chunk)
            while sealing.next < events.count {
                let current = rows
                async let inserted: Void = eventWriter.perform { try $0.insert(current) }
                rows = sealing.seal(events, limit: chunk)
                try await inserted
            }
            let last = rows
            let counts = sealing.actionCounts
            try await eventWriter.perform { writer in
                try writer.insert(last)
                try writer.addActionCounts(counts)
                try writer.execute("COMMIT")
            }
            return sealing
        } catch {
            try? await eventWriter.perform { $0.rollback() }
            throw error
        }
    }
}
