import AuditTrail
import NIOCore
import PostgresNIO
import Synchronization

extension PostgresAuditStore: AuditStoreAppender {
    /// The most events one statement of an append writes (a larger append sends several, each
    /// sealed while PostgreSQL writes the one before).
    static let statementEvents = 2_000

    /// Appends in one transaction that holds the chain head's row (`FOR UPDATE`): every instance's
    /// appends queue on it, so seqs stay gap-free and there is one chain and one tree. Inside it:
    /// the head, the tree at the head (this instance's, or rebuilt from the stored right edge when
    /// another instance appended since), the client ids already stored; the core ``AuditSealer``
    /// seals; one statement per ``statementEvents`` rows writes them (``write(_:actionCounts:head:)``),
    /// sent without waiting (``pipelinedTransaction(_:_:)``). On any failure nothing is stored and
    /// the head stays where it was. When the search index is its lag limit behind this instance's
    /// appends, the append first waits for it (``AuditIndexTail/append(in:after:_:)``).
    public func append(_ events: [PreparedAuditEvent]) async throws -> [AuditAppendResult] {
        guard !events.isEmpty else { return [] }
        return try await appendGate.withLock {
            let cachedTree = merkleBuilder.withLock { $0 }
            let sealer = try await indexTail.append(in: self, after: cachedTree?.size ?? 0) {
                try await appendTransaction(events, cachedTree: cachedTree)
            }
            merkleBuilder.withLock { $0 = sealer.tree }
            // The search index takes the new rows from here (no read back); it indexes them later.
            indexTail.appended(events, results: sealer.results)
            return sealer.results
        }
    }

    /// The transaction of ``append(_:)``.
    private func appendTransaction(_ events: [PreparedAuditEvent], cachedTree: AuditMerkleTreeBuilder?) async throws -> AuditSealer {
        try await pipelinedTransaction("append") { connection, send -> AuditSealer in
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
            // In statements of up to `statementEvents`: PostgreSQL writes one while the next is sealed.
            while sealer.results.count < events.count {
                let rows = sealer.seal(events, limit: Self.statementEvents)
                try sealer.requireNoConflict()
                guard let last = rows.last else { continue }
                if last.receivedAt.milliseconds >= self.partitionsUntil.load(ordering: .relaxed) {
                    try await self.ensurePartitions(covering: last.receivedAt.milliseconds, on: connection)
                }
                let done = sealer.results.count == events.count
                try send(self.write(rows, actionCounts: done ? sealer.actionCounts : [:], head: last))
            }
            return sealer
        }
    }

    /// The chain head, locked until the transaction ends.
    func lockedHead(on connection: PostgresConnection) async throws -> (chain: AuditChainHead, receivedAt: AuditTime) {
        let rows = try await connection.checkedQuery(
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

    /// The statement that writes sealed rows of an append: the rows, their ids, their Merkle
    /// nodes, the per-action counts (the whole append's, with its last rows) and the head's position
    /// (data-modifying `WITH` parts; the ids come from the events part's `RETURNING`, so they are
    /// sent once). The parameters are ``PostgresArrayBind``s, written straight from the rows.
    func write(_ rows: [AuditSealedEvent], actionCounts: [String: Int64], head: AuditSealedEvent) -> PostgresQuery {
        let nodes = rows.flatMap(\.merkleNodes)
        let actions = Array(actionCounts)
        let n = rows.count
        return """
            WITH e AS (
                INSERT INTO \(unescaped: s).events (seq, received_at, id, time, action, category, severity, outcome, canonical, hash)
                SELECT * FROM unnest(\(PostgresArrayBind.int8(n) { rows[$0].seq }), \(PostgresArrayBind.int8(n) { rows[$0].receivedAt.milliseconds }),
                    \(PostgresArrayBind.text(n) { rows[$0].prepared.event.id }), \(PostgresArrayBind.int8(n) { rows[$0].prepared.event.time.milliseconds }),
                    \(PostgresArrayBind.text(n) { rows[$0].prepared.event.action }), \(PostgresArrayBind.text(n) { rows[$0].prepared.event.category }),
                    \(PostgresArrayBind.int2(n) { Int16(rows[$0].prepared.event.severity.level) }),
                    \(PostgresArrayBind.int2(n) { Int16(rows[$0].prepared.event.outcome.code) }),
                    \(PostgresArrayBind.bytea(n) { rows[$0].canonical }), \(PostgresArrayBind.hashes(n) { rows[$0].hash }))
                RETURNING id, seq
            ), i AS (
                INSERT INTO \(unescaped: s).event_ids (id, seq) SELECT id, seq FROM e
            ), m AS (
                INSERT INTO \(unescaped: s).merkle_nodes (level, idx, hash)
                SELECT * FROM unnest(\(PostgresArrayBind.int2(nodes.count) { Int16(nodes[$0].id.level) }),
                    \(PostgresArrayBind.int8(nodes.count) { nodes[$0].id.index }), \(PostgresArrayBind.hashes(nodes.count) { nodes[$0].hash }))
            ), a AS (
                INSERT INTO \(unescaped: s).action_counts (action, count)
                SELECT * FROM unnest(\(PostgresArrayBind.text(actions.count) { actions[$0].key }), \(PostgresArrayBind.int8(actions.count) { actions[$0].value }))
                ON CONFLICT (action) DO UPDATE SET count = action_counts.count + excluded.count
            ), n AS (
                SELECT pg_notify(\(commitChannel), \(String(head.seq)))
            )
            UPDATE \(unescaped: s).chain_head SET seq = \(head.seq), hash = \(ByteBuffer(bytes: head.hash.bytes)), received_at = \(head.receivedAt.milliseconds)
            WHERE id = 1 AND EXISTS (SELECT 1 FROM n)
            """
    }

    /// Adds per-action counts (the reindex's rewrite; an append adds its counts in ``write(_:actionCounts:head:)``).
    func addActionCounts(_ counts: [String: Int64], on connection: PostgresConnection) async throws {
        guard !counts.isEmpty else { return }
        let actions = Array(counts.keys)
        let values = actions.map { counts[$0]! }
        try await connection.checkedQuery(
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
        let rows = try await connection.checkedQuery(
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
            try await connection.checkedQuery(query, logger: logger)
        } else {
            do {
                _ = try await leased { try await $0.checkedQuery(query, logger: logger) }
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
