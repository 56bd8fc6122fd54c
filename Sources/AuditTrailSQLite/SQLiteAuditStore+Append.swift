import AuditTrail
import Logging
import SQLiteNIO
import Synchronization

extension SQLiteAuditStore {
    /// The columns of one inserted event row, in this order: the four the chain assigns, then
    /// the ones derived from the event alone (see ``eventColumns(_:)``).
    static let insertColumns = [
        "seq", "received_at", "canonical", "hash", "id", "time", "action", "category", "severity", "outcome", "actor_id",
        "actor_name", "actor_type", "resource_type", "resource_id", "ip", "correlation_id", "country", "risk", "tags",
        "compliance", "search",
    ]

    /// Appends in one `BEGIN IMMEDIATE` transaction: reads the head, skips client ids already stored
    /// (or earlier in the call), seals the new events in order, inserts them with multi-row
    /// `INSERT`s, updates the per-action counts and commits. On any failure it rolls back and the
    /// head stays where it was.
    public func append(_ events: [PreparedAuditEvent]) async throws -> [AuditAppendResult] {
        guard !events.isEmpty else { return [] }
        guard !isClosed else { throw AuditTrailError(.storeFailure, "the SQLite store is closed") }
        return try await appendGate.withLock {
            do {
                try await writer.execute("BEGIN IMMEDIATE")
            } catch {
                throw storeFailure("begin of an append", error)
            }
            do {
                let (results, head) = try await appendInTransaction(events)
                try await writer.execute("COMMIT")
                cachedHead.withLock { $0 = head }
                return results
            } catch {
                try? await writer.execute("ROLLBACK")
                throw storeFailure("append", error)
            }
        }
    }

    private func appendInTransaction(_ events: [PreparedAuditEvent]) async throws -> ([AuditAppendResult], SQLiteHead) {
        var head = try await Self.readHead(writer)
        let cached = cachedHead.withLock { $0 }
        if head != cached {
            logger.warning("audit chain head moved outside this store; another process appended",
                           metadata: ["audit.chain.seq": "\(head.seq)", "audit.chain.cached_seq": "\(cached.seq)"])
        }
        var known = try await storedResults(ids: events.filter(\.clientID).map(\.event.id))
        let receivedAt = AuditTime(milliseconds: max(AuditTime.now().milliseconds, head.receivedAt))
        var results: [AuditAppendResult] = []
        results.reserveCapacity(events.count)
        var actionCounts: [String: Int64] = [:]
        var next = 0
        let rowsPerInsert = max(1, min(configuration.rowsPerInsert, 32_766 / Self.insertColumns.count))

        /// Seals events from `next` on until one statement's worth of rows is ready.
        func sealChunk() -> (binds: [SQLiteData], count: Int) {
            var binds: [SQLiteData] = []
            binds.reserveCapacity(rowsPerInsert * Self.insertColumns.count)
            var count = 0
            while next < events.count, count < rowsPerInsert {
                let prepared = events[next]
                defer { next += 1 }
                if prepared.clientID, let stored = known[prepared.event.id] {
                    results.append(stored)
                    continue
                }
                let sealed = prepared.sealed(seq: head.seq + 1, receivedAt: receivedAt, previousHash: head.hash)
                head = SQLiteHead(seq: head.seq + 1, hash: sealed.hash, receivedAt: receivedAt.milliseconds)
                let result = AuditAppendResult(id: sealed.event.id, seq: head.seq, hash: sealed.hash, receivedAt: receivedAt, created: true)
                results.append(result)
                if prepared.clientID {
                    var again = result
                    again.created = false
                    known[prepared.event.id] = again
                }
                actionCounts[sealed.event.action, default: 0] += 1
                binds.append(.integer(Int(head.seq)))
                binds.append(.integer(Int(receivedAt.milliseconds)))
                binds.append(.bytes(sealed.canonical))
                binds.append(.bytes(sealed.hash))
                binds += Self.eventColumns(prepared)
                count += 1
            }
            return (binds, count)
        }

        // SQLite inserts one chunk on the writer thread while this task seals the next.
        var chunk = sealChunk()
        while chunk.count > 0 {
            let current = chunk
            async let inserted: Void = insertRows(current.binds, count: current.count)
            chunk = sealChunk()
            try await inserted
        }
        if !actionCounts.isEmpty { try await addActionCounts(actionCounts) }
        return (results, head)
    }

    /// Results (`created == false`) for the given ids that are already stored.
    private func storedResults(ids: [String]) async throws -> [String: AuditAppendResult] {
        var found: [String: AuditAppendResult] = [:]
        let unique = Array(Set(ids))
        var start = 0
        while start < unique.count {
            let chunk = Array(unique[start..<min(start + 1000, unique.count)])
            start += chunk.count
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            let rows = try await writer.query(
                "SELECT id, seq, hash, received_at FROM events WHERE id IN (\(placeholders))", chunk.map(SQLiteData.text))
            for row in rows {
                guard let id = row.text("id"), let seq = row.int64("seq"), let received = row.int64("received_at") else { continue }
                found[id] = AuditAppendResult(id: id, seq: seq, hash: row.bytes("hash"),
                                              receivedAt: AuditTime(milliseconds: received), created: false)
            }
        }
        return found
    }

    private func insertRows(_ binds: [SQLiteData], count: Int) async throws {
        let row = "(" + Array(repeating: "?", count: Self.insertColumns.count).joined(separator: ",") + ")"
        let sql = "INSERT INTO events (" + Self.insertColumns.joined(separator: ", ") + ") VALUES "
            + Array(repeating: row, count: count).joined(separator: ",")
        try await writer.execute(sql, binds)
    }

    private func addActionCounts(_ counts: [String: Int64]) async throws {
        var binds: [SQLiteData] = []
        for (action, count) in counts { binds.append(.text(action)); binds.append(.integer(Int(count))) }
        let values = Array(repeating: "(?, ?)", count: counts.count).joined(separator: ", ")
        try await writer.execute(
            "INSERT INTO action_counts (action, count) VALUES \(values) ON CONFLICT (action) DO UPDATE SET count = count + excluded.count",
            binds)
    }

    /// The 18 column values that depend only on the event (``insertColumns`` after `hash`).
    static func eventColumns(_ prepared: PreparedAuditEvent) -> [SQLiteData] {
        let event = prepared.event
        var binds: [SQLiteData] = []
        binds.reserveCapacity(18)
        binds.append(.text(event.id))
        binds.append(.integer(Int(event.time.milliseconds)))
        binds.append(.text(event.action))
        binds.append(.text(event.category))
        binds.append(.integer(event.severity.level))
        binds.append(.integer(event.outcome.code))
        binds.append(.optionalText(event.actor?.id))
        binds.append(.optionalText(event.actor?.name))
        binds.append(.optionalText(event.actor?.type))
        binds.append(.optionalText(event.resource?.type))
        binds.append(.optionalText(event.resource?.id))
        if let text = event.actor?.ip, let ip = AuditIPAddress(text) { binds.append(.bytes(ip.mapped)) } else { binds.append(.null) }
        binds.append(.optionalText(event.request?.correlationID))
        binds.append(.optionalText(event.location?.country))
        binds.append(event.riskScore.map { .integer($0) } ?? .null)
        binds.append(.optionalText(jsonArray(event.tags)))
        binds.append(.optionalText(jsonArray(event.compliance)))
        binds.append(.optionalText(searchText(event)))
        return binds
    }

    static func jsonArray(_ values: [String]) -> String? {
        guard !values.isEmpty else { return nil }
        return String(decoding: CanonicalJSON.encode(.array(values.map(JSONValue.string))), as: UTF8.self)
    }

    /// What free-text search matches: description, comment and the metadata JSON, lower-cased.
    static func searchText(_ event: AuditEvent) -> String? {
        var parts: [String] = []
        if let description = event.description { parts.append(description) }
        if let comment = event.comment { parts.append(comment) }
        if let metadata = event.metadata { parts.append(String(decoding: CanonicalJSON.encode(metadata), as: UTF8.self)) }
        return parts.isEmpty ? nil : parts.joined(separator: "\n").lowercased()
    }
}
