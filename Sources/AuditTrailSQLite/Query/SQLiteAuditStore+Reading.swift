import AuditTrail
import SQLiteNIO

extension SQLiteAuditStore {
    /// One page of events matching `query`, newest first unless `order` is `asc`, from the search
    /// index (``AuditIndexSearch``): it reads the chunks the page needs, not the log. `nextCursor`
    /// is set when another page may follow; it is a seq bound, so pages stay stable while events
    /// are appended.
    public func events(matching query: AuditQuery) async throws -> AuditEventPage {
        let snapshot = try await searchSnapshot()
        return try await AuditIndexSearch.page(query, in: snapshot) { try await self.indexEvents(seqs: $0) }
    }

    /// The event with this id, or nil.
    public func event(id: String) async throws -> AuditStoredEvent? {
        let key = AuditEventID.normalizedUUID(id) ?? id
        let rows = try await read("event lookup") {
            try await $0.query("SELECT seq, id, canonical, hash FROM events WHERE id = ?", [.text(key)])
        }
        return try rows.first?.storedEvent()
    }

    /// Every action stored so far with its count, from the per-action counts kept by `append`.
    public func seenActions() async throws -> [String: Int64] {
        let rows = try await read("seen actions") { try await $0.query("SELECT action, count FROM action_counts") }
        var out: [String: Int64] = [:]
        for row in rows {
            if let action = row.text("action"), let count = row.int64("count") { out[action] = count }
        }
        return out
    }

    /// A page of the actions stored so far, in byte order (the table's key order), from the
    /// per-action counts kept by `append`.
    public func seenActions(after: String?, limit: Int) async throws -> [AuditStats.Group] {
        guard limit > 0 else { return [] }
        let rows = try await read("seen actions") {
            try await $0.query(
                "SELECT action, count FROM action_counts WHERE action > ? ORDER BY action LIMIT ?",
                [.text(after ?? ""), .integer(limit)]
            )
        }
        return rows.compactMap { row in
            guard let action = row.text("action"), let count = row.int64("count") else { return nil }
            return AuditStats.Group(value: action, count: count)
        }
    }

    /// The newest seq and its chain hash (seq 0 and the genesis hash for an empty log).
    public func head() async throws -> AuditChainHead {
        try await read("head") { try await Self.readHead($0) }.chainHead(.tampered)
    }

    /// Up to `limit` rows with seq greater than `afterSeq`, in seq order, exactly as stored.
    public func rows(after afterSeq: Int64, limit: Int) async throws -> [AuditStoredEvent] {
        guard limit > 0 else { return [] }
        return try await scan("rows") { try $0.rows(after: afterSeq, limit: limit) }
    }

    /// Where the chain starts: the newest retention anchor, or seq 0 and ``AuditChain/genesis``.
    public func chainStart() async throws -> AuditChainHead {
        try await retentionAnchor()?.chainStart ?? AuditChainHead(seq: 0, hash: AuditChain.genesis)
    }

    /// Runs `body` on the append connection between two appends (under the append gate): the
    /// store's own writes that must not lose to a steady ingest in SQLite's busy handler.
    func onAppendConnection<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (SQLiteRawConnection) throws -> T) async throws -> T {
        guard !isClosed else { throw AuditTrailError(.storeFailure, "the SQLite store is closed") }
        return try await appendGate.withLock {
            do {
                return try await eventWriter.perform(body)
            } catch {
                throw storeFailure(operation, error)
            }
        }
    }

    /// Runs `body` on a raw read-only handle on a reader thread (the verification scans, an
    /// export's rows) within the current ``AuditReadBudget`` (interrupted when it runs out or the
    /// task is cancelled), turning driver errors into ``AuditTrailError``.
    func scan<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (SQLiteRawConnection) throws -> T) async throws -> T {
        guard !isClosed else { throw AuditTrailError(.storeFailure, "the SQLite store is closed") }
        do {
            let budget = AuditReadBudget.current
            try budget?.check()
            return try await scanners.withConnection { scanner in try await scanner.perform(within: budget, body) }
        } catch let error as AuditTrailError {
            throw error
        } catch {
            throw storeFailure(operation, error)
        }
    }

    /// Runs `body` on a reader connection, turning driver errors into ``AuditTrailError``. Its
    /// statements are single-row lookups (SQLiteNIO offers no interrupt): the current
    /// ``AuditReadBudget`` is checked before and after.
    func read<T>(_ operation: String, _ body: (SQLiteConnection) async throws -> T) async throws -> T {
        guard !isClosed else { throw AuditTrailError(.storeFailure, "the SQLite store is closed") }
        let budget = AuditReadBudget.current
        try budget?.check()
        let result: T
        do {
            result = try await readers.withConnection(body)
        } catch {
            throw storeFailure(operation, error)
        }
        try budget?.check()
        return result
    }

    /// Runs `body` on the key connection: authentication's own connection and thread, so that a
    /// key lookup never waits behind the searches that fill the reader threads.
    func onKeyConnection<T>(_ operation: String, _ body: (SQLiteConnection) async throws -> T) async throws -> T {
        guard !isClosed else { throw AuditTrailError(.storeFailure, "the SQLite store is closed") }
        do {
            return try await keyReader.withConnection(body)
        } catch {
            throw storeFailure(operation, error)
        }
    }
}
