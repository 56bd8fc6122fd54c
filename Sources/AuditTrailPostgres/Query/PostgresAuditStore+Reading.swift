import AuditTrail
import NIOCore
import PostgresNIO

extension PostgresAuditStore: AuditStore {
    /// One page of events matching `query`, from the search index (``AuditIndexSearch``), as the
    /// SQLite store answers it.
    public func events(matching query: AuditQuery) async throws -> AuditEventPage {
        let snapshot = try await indexTail.snapshot(of: self)
        return try await AuditIndexSearch.page(query, in: snapshot) { try await self.indexEvents(seqs: $0) }
    }

    /// Aggregates from the search index and its rollups (``AuditIndexSearch/stats(_:in:fetch:)``).
    public func stats(_ request: AuditStatsRequest) async throws -> AuditStats {
        let snapshot = try await indexTail.snapshot(of: self)
        return try await AuditIndexSearch.stats(request, in: snapshot) { try await self.indexEvents(seqs: $0) }
    }

    /// The event with this id (client-chosen or server-assigned), or nil.
    public func event(id: String) async throws -> AuditStoredEvent? {
        let key = AuditEventID.normalizedUUID(id) ?? id
        return try await read("event lookup") { connection in
            let rows = try await connection.checkedQuery(
                """
                SELECT e.seq, e.id, e.canonical, e.hash FROM \(unescaped: s).event_ids i
                JOIN \(unescaped: s).events e ON e.seq = i.seq WHERE i.id = \(key)
                """,
                logger: logger
            )
            return try await Self.storedEvents(rows).first
        }
    }

    /// Every action stored so far with its count, from the counts kept by `append`.
    public func seenActions() async throws -> [String: Int64] {
        try await read("seen actions") { try await actionCounts(on: $0) }
    }

    /// `action_counts` as stored, on `connection` (a rebuild reads it inside its transaction).
    func actionCounts(on connection: PostgresConnection) async throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        let rows = try await connection.checkedQuery("SELECT action, count FROM \(unescaped: s).action_counts", logger: logger)
        for try await (action, count) in rows.decode((String, Int64).self) { out[action] = count }
        return out
    }

    /// A page of the actions stored so far, in byte order.
    public func seenActions(after: String?, limit: Int) async throws -> [AuditStats.Group] {
        guard limit > 0 else { return [] }
        return try await read("seen actions") { connection in
            var out: [AuditStats.Group] = []
            let rows = try await connection.checkedQuery(
                """
                SELECT action, count FROM \(unescaped: s).action_counts WHERE action > \(after ?? "")
                ORDER BY action LIMIT \(limit)
                """,
                logger: logger
            )
            for try await (action, count) in rows.decode((String, Int64).self) { out.append(AuditStats.Group(value: action, count: count)) }
            return out
        }
    }

    /// The newest seq and its chain hash (seq 0 and the genesis hash for an empty log).
    public func head() async throws -> AuditChainHead {
        try await read("head") { connection in
            let rows = try await connection.checkedQuery("SELECT seq, hash FROM \(unescaped: s).chain_head WHERE id = 1", logger: logger)
            for try await (seq, hash) in rows.decode((Int64, ByteBuffer).self) {
                guard let hash = AuditHash(bytes: hash.readableBytesView) else {
                    throw AuditTrailError(.tampered, "the chain head's hash is not 32 bytes", seq: seq)
                }
                return AuditChainHead(seq: seq, hash: hash)
            }
            throw AuditTrailError(.tampered, "the chain head row is missing")
        }
    }

    /// Up to `limit` rows with seq greater than `afterSeq`, in seq order, exactly as stored.
    public func rows(after afterSeq: Int64, limit: Int) async throws -> [AuditStoredEvent] {
        guard limit > 0 else { return [] }
        return try await read("rows") { connection in
            let rows = try await connection.checkedQuery(
                "SELECT seq, id, canonical, hash FROM \(unescaped: s).events WHERE seq > \(afterSeq) ORDER BY seq LIMIT \(limit)",
                logger: logger
            )
            return try await Self.storedEvents(rows)
        }
    }

    /// Where the chain starts: the newest retention anchor, or seq 0 and ``AuditChain/genesis``.
    public func chainStart() async throws -> AuditChainHead {
        try await retentionAnchor()?.chainStart ?? AuditChainHead(seq: 0, hash: AuditChain.genesis)
    }

    /// Rows of `seq, id, canonical, hash` as stored events.
    /// - Throws: `.tampered` for a hash that is not 32 bytes.
    static func storedEvents(_ rows: PostgresRowSequence) async throws -> [AuditStoredEvent] {
        var events: [AuditStoredEvent] = []
        for try await (seq, id, canonical, hash) in rows.decode((Int64, String, ByteBuffer, ByteBuffer).self) {
            guard let hash = AuditHash(bytes: hash.readableBytesView) else {
                throw AuditTrailError(.tampered, "the stored chain hash of seq \(seq) is not 32 bytes", seq: seq)
            }
            events.append(AuditStoredEvent(seq: seq, id: id, canonical: Array(canonical.readableBytesView), hash: hash))
        }
        return events
    }
}
