import AuditTrail

/// One event ready for its row: chain fields assigned; the event and its index values are shared
/// with the prepared event (no copy), so the writer thread only binds and steps.
struct SQLiteSealedRow: Sendable {
    var seq: Int64
    var receivedAt: Int64
    var canonical: [UInt8]
    var hash: [UInt8]
    var prepared: PreparedAuditEvent
    /// The Merkle subtree hashes this event's leaf completed (written with the row).
    var merkleNodes: [AuditMerkleNode]
}

/// The chain state of one append while it is sealed: the head it started from and where it is
/// now, the client ids already stored, the results so far and the per-action counts.
struct SQLiteSealing: Sendable {
    let startHead: SQLiteAuditStore.SQLiteHead
    private(set) var head: SQLiteAuditStore.SQLiteHead
    private var known: [String: AuditAppendResult]
    let receivedAt: AuditTime
    private(set) var results: [AuditAppendResult] = []
    private(set) var actionCounts: [String: Int64] = [:]
    /// The index of the next event of the append to seal.
    private(set) var next = 0
    /// The Merkle tree over the events sealed so far.
    private(set) var merkle: AuditMerkleTreeBuilder

    /// Reads the head and the already stored client ids inside the append's transaction. `merkle`
    /// is the store's builder from its last commit; it is reloaded when it is not at the head.
    init(_ writer: SQLiteRawConnection, _ events: [PreparedAuditEvent], merkle: AuditMerkleTreeBuilder?) throws {
        head = try writer.readHead()
        startHead = head
        if let merkle, merkle.size == head.seq {
            self.merkle = merkle
        } else {
            self.merkle = try writer.merkleBuilder(size: head.seq)
        }
        known = try writer.storedResults(ids: events.lazy.filter(\.clientID).map(\.event.id))
        receivedAt = AuditTime(milliseconds: max(AuditTime.now().milliseconds, head.receivedAt))
        results.reserveCapacity(events.count)
    }

    /// Seals events from ``next`` on, at most `limit` of them, in order. Client ids already
    /// stored (or earlier in this append) get their stored result and no row.
    mutating func seal(_ events: [PreparedAuditEvent], limit: Int) -> [SQLiteSealedRow] {
        var rows: [SQLiteSealedRow] = []
        rows.reserveCapacity(min(limit, events.count - next))
        let end = min(events.count, next + limit)
        while next < end {
            let prepared = events[next]
            next += 1
            if prepared.clientID, let stored = known[prepared.event.id] {
                results.append(stored)
                continue
            }
            // What `PreparedAuditEvent.sealed` does, without its copy of the event with seq set
            // (the row needs only the event's own fields).
            let seq = head.seq + 1
            let canonical = prepared.parts.assemble(seq: seq, receivedAt: receivedAt)
            let hash = AuditChain.next(previous: head.hash, canonical: canonical)
            head = SQLiteAuditStore.SQLiteHead(seq: seq, hash: hash, receivedAt: receivedAt.milliseconds)
            let result = AuditAppendResult(id: prepared.event.id, seq: seq, hash: hash, receivedAt: receivedAt, created: true)
            results.append(result)
            if prepared.clientID {
                var again = result
                again.created = false
                known[prepared.event.id] = again
            }
            actionCounts[prepared.event.action, default: 0] += 1
            let merkleNodes = merkle.append(leafHash: AuditMerkle.leafHash(canonical))
            rows.append(
                SQLiteSealedRow(
                    seq: seq,
                    receivedAt: receivedAt.milliseconds,
                    canonical: canonical,
                    hash: hash,
                    prepared: prepared,
                    merkleNodes: merkleNodes
                )
            )
        }
        return rows
    }
}

extension SQLiteRawConnection {
    /// The newest row's chain position, or ``SQLiteAuditStore/SQLiteHead/empty``.
    func readHead() throws -> SQLiteAuditStore.SQLiteHead {
        var head = SQLiteAuditStore.SQLiteHead.empty
        try run(
            "SELECT seq, hash, received_at FROM events ORDER BY seq DESC LIMIT 1",
            row: { row in
                head = SQLiteAuditStore.SQLiteHead(seq: row.integer(0) ?? 0, hash: row.bytes(1), receivedAt: row.integer(2) ?? 0)
            }
        )
        return head
    }

    /// Results (`created == false`) for the given ids that are already stored.
    func storedResults(ids: some Sequence<String>) throws -> [String: AuditAppendResult] {
        var found: [String: AuditAppendResult] = [:]
        let statement = try prepared("SELECT seq, hash, received_at FROM events WHERE id = ?")
        for id in Set(ids) {
            try run(
                statement,
                bind: { $0.text(1, id) },
                row: { row in
                    guard let seq = row.integer(0), let received = row.integer(2) else { return }
                    found[id] = AuditAppendResult(
                        id: id,
                        seq: seq,
                        hash: row.bytes(1),
                        receivedAt: AuditTime(milliseconds: received),
                        created: false
                    )
                }
            )
        }
        return found
    }

    /// Inserts sealed rows with the one prepared single-row `INSERT`.
    func insert(_ rows: [SQLiteSealedRow]) throws {
        guard !rows.isEmpty else { return }
        let statement = try prepared(SQLiteAuditStore.insertSQL)
        for row in rows {
            try run(
                statement,
                bind: { b in
                    let event = row.prepared.event
                    let index = row.prepared.indexValues
                    b.integer(1, row.seq)
                    b.integer(2, row.receivedAt)
                    b.blob(3, row.canonical)
                    b.blob(4, row.hash)
                    b.text(5, event.id)
                    b.integer(6, event.time.milliseconds)
                    b.text(7, event.action)
                    b.text(8, event.category)
                    b.integer(9, Int64(event.severity.level))
                    b.integer(10, Int64(event.outcome.code))
                    b.text(11, event.actor?.id)
                    b.text(12, event.actor?.name)
                    b.text(13, event.actor?.type)
                    b.text(14, event.resource?.type)
                    b.text(15, event.resource?.id)
                    b.blob(16, index.ip)
                    b.text(17, event.request?.correlationID)
                    b.text(18, event.location?.country)
                    b.integer(19, event.riskScore.map(Int64.init))
                    b.text(20, index.tags)
                    b.text(21, index.compliance)
                    b.text(22, index.searchText)
                }
            )
        }
        try insertMerkleNodes(rows)
    }

    /// Adds the append's per-action counts.
    func addActionCounts(_ counts: [String: Int64]) throws {
        let statement = try prepared(
            "INSERT INTO action_counts (action, count) VALUES (?, ?) ON CONFLICT (action) DO UPDATE SET count = count + excluded.count"
        )
        for (action, count) in counts {
            try run(
                statement,
                bind: { b in
                    b.text(1, action)
                    b.integer(2, count)
                }
            )
        }
    }
}
