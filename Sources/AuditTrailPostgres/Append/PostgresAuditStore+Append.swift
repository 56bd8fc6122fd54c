import AuditTrail
import NIOCore
import PostgresNIO
import Synchronization

extension PostgresAuditStore: AuditStoreAppender {
    /// Appends in one transaction that holds the chain head's row (`FOR UPDATE`): every instance's
    /// appends queue on it, so seqs stay gap-free and there is one chain and one tree. Inside it:
    /// the head, the tree at the head (this instance's, or rebuilt from the stored right edge when
    /// another instance appended since), the client ids already stored; the core ``AuditSealer``
    /// seals; one multi-row `INSERT` per table (events, ids, Merkle nodes, action counts) and the
    /// head's update. On any failure nothing is stored and the head stays where it was.
    public func append(_ events: [PreparedAuditEvent]) async throws -> [AuditAppendResult] {
        guard !events.isEmpty else { return [] }
        return try await appendGate.withLock {
            let cachedTree = merkleBuilder.withLock { $0 }
            let sealer = try await transaction("append") { connection -> AuditSealer in
                let head = try await self.lockedHead(on: connection)
                let tree: AuditMerkleTreeBuilder
                if let cachedTree, cachedTree.size == head.chain.seq {
                    tree = cachedTree
                } else {
                    tree = try await self.merkleBuilder(size: head.chain.seq, on: connection)
                }
                let stored = try await self.storedResults(ids: events.lazy.filter(\.clientID).map(\.event.id), on: connection)
                var sealer = try AuditSealer(
                    head: head.chain,
                    headReceivedAt: head.receivedAt,
                    tree: tree,
                    stored: stored,
                    now: self.configuration.receiptClock()
                )
                let rows = sealer.sealAll(events)
                try sealer.requireNoConflict()
                guard let last = rows.last else { return sealer }
                if last.receivedAt.milliseconds >= self.partitionsUntil.load(ordering: .relaxed) {
                    try await self.ensurePartitions(covering: last.receivedAt.milliseconds, on: connection)
                }
                try await self.insert(rows, on: connection)
                try await self.addActionCounts(sealer.actionCounts, on: connection)
                let hash = ByteBuffer(bytes: last.hash.bytes)
                try await connection.query(
                    """
                    UPDATE \(unescaped: self.s).chain_head SET seq = \(last.seq), hash = \(hash), received_at = \(last.receivedAt.milliseconds)
                    WHERE id = 1
                    """,
                    logger: self.logger
                )
                return sealer
            }
            merkleBuilder.withLock { $0 = sealer.tree }
            // The search index takes the new rows from here (no read back); it indexes them later.
            indexTail.appended(events, results: sealer.results)
            return sealer.results
        }
    }

    /// The chain head, locked until the transaction ends.
    func lockedHead(on connection: PostgresConnection) async throws -> (chain: AuditChainHead, receivedAt: AuditTime) {
        let rows = try await connection.query(
            "SELECT seq, hash, received_at FROM \(unescaped: s).chain_head WHERE id = 1 FOR UPDATE",
            logger: logger
        )
        for try await (seq, hash, received) in rows.decode((Int64, ByteBuffer, Int64).self) {
            guard let hash = AuditHash(bytes: hash.readableBytesView) else {
                throw AuditTrailError(.storeFailure, "the chain head's hash is not 32 bytes", seq: seq)
            }
            return (AuditChainHead(seq: seq, hash: hash), AuditTime(milliseconds: received))
        }
        throw AuditTrailError(.storeFailure, "the chain head row is missing")
    }

    /// Inserts the sealed rows, their ids and their Merkle nodes: three multi-row statements.
    func insert(_ rows: [AuditSealedEvent], on connection: PostgresConnection) async throws {
        var seqs: [Int64] = []
        var received: [Int64] = []
        var ids: [String] = []
        var times: [Int64] = []
        var actions: [String] = []
        var categories: [String] = []
        var severities: [Int16] = []
        var outcomes: [Int16] = []
        var canonicals: [ByteBuffer] = []
        var hashes: [ByteBuffer] = []
        var levels: [Int16] = []
        var indices: [Int64] = []
        var nodeHashes: [ByteBuffer] = []
        for row in rows {
            let event = row.prepared.event
            seqs.append(row.seq)
            received.append(row.receivedAt.milliseconds)
            ids.append(event.id)
            times.append(event.time.milliseconds)
            actions.append(event.action)
            categories.append(event.category)
            severities.append(Int16(event.severity.level))
            outcomes.append(Int16(event.outcome.code))
            canonicals.append(ByteBuffer(bytes: row.canonical))
            hashes.append(ByteBuffer(bytes: row.hash.bytes))
            for node in row.merkleNodes {
                levels.append(Int16(node.id.level))
                indices.append(node.id.index)
                nodeHashes.append(ByteBuffer(bytes: node.hash.bytes))
            }
        }
        try await connection.query(
            """
            INSERT INTO \(unescaped: s).events (seq, received_at, id, time, action, category, severity, outcome, canonical, hash)
            SELECT * FROM unnest(\(seqs)::int8[], \(received)::int8[], \(ids)::text[], \(times)::int8[], \(actions)::text[],
                \(categories)::text[], \(severities)::int2[], \(outcomes)::int2[], \(canonicals)::bytea[], \(hashes)::bytea[])
            """,
            logger: logger
        )
        try await connection.query(
            "INSERT INTO \(unescaped: s).event_ids (id, seq) SELECT * FROM unnest(\(ids)::text[], \(seqs)::int8[])",
            logger: logger
        )
        if !levels.isEmpty {
            try await connection.query(
                """
                INSERT INTO \(unescaped: s).merkle_nodes (level, idx, hash)
                SELECT * FROM unnest(\(levels)::int2[], \(indices)::int8[], \(nodeHashes)::bytea[])
                """,
                logger: logger
            )
        }
    }

    /// Adds the append's per-action counts.
    func addActionCounts(_ counts: [String: Int64], on connection: PostgresConnection) async throws {
        guard !counts.isEmpty else { return }
        let actions = Array(counts.keys)
        let values = actions.map { counts[$0]! }
        try await connection.query(
            """
            INSERT INTO \(unescaped: s).action_counts (action, count) SELECT * FROM unnest(\(actions)::text[], \(values)::int8[])
            ON CONFLICT (action) DO UPDATE SET count = action_counts.count + excluded.count
            """,
            logger: logger
        )
    }

    /// Results (`created == false`) for the given ids that are already stored, with who ingested
    /// each (read from its canonical bytes: only re-sent ids are looked up).
    func storedResults(ids: some Sequence<String>, on connection: PostgresConnection) async throws -> [String: AuditAppendResult] {
        let wanted = Array(Set(ids))
        guard !wanted.isEmpty else { return [:] }
        var found: [String: AuditAppendResult] = [:]
        let rows = try await connection.query(
            """
            SELECT i.id, e.seq, e.hash, e.received_at, e.canonical
            FROM \(unescaped: s).event_ids i JOIN \(unescaped: s).events e ON e.seq = i.seq
            WHERE i.id = ANY(\(wanted)::text[])
            """,
            logger: logger
        )
        for try await (id, seq, hash, received, canonical) in rows.decode((String, Int64, ByteBuffer, Int64, ByteBuffer).self) {
            guard let hash = AuditHash(bytes: hash.readableBytesView) else {
                throw AuditTrailError(.storeFailure, "the stored chain hash of seq \(seq) is not 32 bytes", seq: seq)
            }
            var result = AuditAppendResult(id: id, seq: seq, hash: hash, receivedAt: AuditTime(milliseconds: received), created: false)
            result.ingestedBy = try AuditEvent(canonical: Array(canonical.readableBytesView)).ingestedBy
            found[id] = result
        }
        return found
    }

    /// Makes the monthly partitions through the one holding `milliseconds` (and
    /// ``Configuration/partitionsAhead`` more), through the owner's `ensure_partitions`.
    func ensurePartitions(covering milliseconds: Int64, on connection: PostgresConnection? = nil) async throws {
        let until = Self.monthStart(after: milliseconds, months: configuration.partitionsAhead) - 1
        let query: PostgresQuery = "SELECT \(unescaped: s).ensure_partitions(\(until))"
        if let connection {
            try await connection.query(query, logger: logger)
        } else {
            do {
                try await client.query(query, logger: logger)
            } catch {
                throw storeFailure("partition creation", error)
            }
        }
        partitionsUntil.store(until + 1, ordering: .relaxed)
    }

    /// The start (ms, UTC) of the month `months` after the one holding `milliseconds`.
    static func monthStart(after milliseconds: Int64, months: Int) -> Int64 {
        let days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let (year, month, _) = AuditTime.civil(fromDays: days)
        let total = year * 12 + (month - 1) + 1 + Int64(months)
        return AuditTime.days(fromCivil: total / 12, total % 12 + 1, 1) * 86_400_000
    }
}
