import AuditTrail

extension SQLiteRawConnection {
    /// The newest row's chain position, or ``SQLiteAuditStore/SQLiteHead/empty``.
    func readHead() throws -> SQLiteAuditStore.SQLiteHead {
        var head = SQLiteAuditStore.SQLiteHead.empty
        try run(
            "SELECT seq, hash, received_at FROM events ORDER BY seq DESC LIMIT 1",
            row: { row in
                head = SQLiteAuditStore.SQLiteHead(seq: row.integer(0) ?? 0, hash: row.hash(1), receivedAt: row.integer(2) ?? 0)
            }
        )
        return head
    }

    /// Up to `limit` rows with seq greater than `afterSeq`, in seq order, exactly as stored — the
    /// one row reader of ``SQLiteAuditStore/rows(after:limit:)`` and the chain-format migration.
    /// - Throws: `.tampered` for a row without its seq or id, or with a hash that is not 32 bytes.
    func rows(after afterSeq: Int64, limit: Int) throws -> [AuditStoredEvent] {
        var events: [AuditStoredEvent] = []
        events.reserveCapacity(min(limit, 10_000))
        try run(
            "SELECT seq, id, canonical, hash FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            bind: { b in
                b.integer(1, afterSeq)
                b.integer(2, Int64(limit))
            },
            row: { row in
                guard let seq = row.integer(0), let id = row.text(1) else {
                    throw AuditTrailError(.tampered, "a stored event lacks its seq or id")
                }
                guard let hash = row.hash(3) else {
                    throw AuditTrailError(.tampered, "the stored chain hash of seq \(seq) is not 32 bytes", seq: seq)
                }
                events.append(AuditStoredEvent(seq: seq, id: id, canonical: row.bytes(2), hash: hash))
            }
        )
        return events
    }

    /// Results (`created == false`) for the given ids that are already stored, with who ingested
    /// each (read from its canonical bytes: only re-sent ids are looked up).
    func storedResults(ids: some Sequence<String>) throws -> [String: AuditAppendResult] {
        var found: [String: AuditAppendResult] = [:]
        let statement = try prepared("SELECT seq, hash, received_at, canonical FROM events WHERE id = ?")
        for id in Set(ids) {
            try run(
                statement,
                bind: { $0.text(1, id) },
                row: { row in
                    guard let seq = row.integer(0), let received = row.integer(2) else { return }
                    guard let hash = row.hash(1) else {
                        throw AuditTrailError(.storeFailure, "the stored chain hash of seq \(seq) is not 32 bytes", seq: seq)
                    }
                    var result = AuditAppendResult(id: id, seq: seq, hash: hash, receivedAt: AuditTime(milliseconds: received), created: false)
                    result.ingestedBy = try AuditEvent(canonical: row.bytes(3)).ingestedBy
                    found[id] = result
                }
            )
        }
        return found
    }

    /// Reads what an append's ``AuditSealer`` starts from, inside the append's transaction: the
    /// head, the Merkle tree at the head (`cached` when it is at the head, else loaded) and the
    /// client ids of `events` already stored.
    func sealer(for events: [PreparedAuditEvent], tree cached: AuditMerkleTreeBuilder?) throws -> AuditSealer {
        let head = try readHead()
        let tree = try cached.flatMap { $0.size == head.seq ? $0 : nil } ?? merkleBuilder(size: head.seq)
        let stored = try storedResults(ids: events.lazy.filter(\.clientID).map(\.event.id))
        return try AuditSealer(
            head: head.chainHead(.storeFailure),
            headReceivedAt: AuditTime(milliseconds: head.receivedAt),
            tree: tree,
            stored: stored
        )
    }

    /// Inserts sealed rows with the one prepared single-row `INSERT`.
    func insert(_ rows: [AuditSealedEvent]) throws {
        guard !rows.isEmpty else { return }
        let statement = try prepared(SQLiteAuditStore.insertSQL)
        for row in rows {
            try run(
                statement,
                bind: { b in
                    let event = row.prepared.event
                    b.integer(1, row.seq)
                    b.integer(2, row.receivedAt.milliseconds)
                    b.blob(3, row.canonical)
                    b.blob(4, row.hash)
                    b.text(5, event.id)
                    b.integer(6, event.time.milliseconds)
                    b.text(7, event.action)
                    b.text(8, event.category)
                    b.integer(9, Int64(event.severity.level))
                    b.integer(10, Int64(event.outcome.code))
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
