import AuditTrail
import Logging
import SQLiteNIO
import Synchronization

extension SQLiteAuditStore {
    /// The columns of one inserted event row, in this order.
    static let insertColumns = [
        "seq", "id", "time", "received_at", "action", "category", "severity", "outcome", "actor_id", "actor_name",
        "actor_type", "resource_type", "resource_id", "ip", "correlation_id", "country", "risk", "tags", "compliance",
        "search", "canonical", "hash",
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
        var rows: [SQLiteData] = []
        rows.reserveCapacity(min(events.count, configuration.rowsPerInsert) * Self.insertColumns.count)
        var rowCount = 0
        var actionCounts: [String: Int64] = [:]
        for prepared in events {
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
            Self.appendRow(sealed, to: &rows)
            rowCount += 1
            if rowCount == configuration.rowsPerInsert {
                try await insertRows(rows, count: rowCount)
                rows.removeAll(keepingCapacity: true)
                rowCount = 0
            }
        }
        if rowCount > 0 { try await insertRows(rows, count: rowCount) }
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

    /// Appends the 22 column values of one sealed event (see ``insertColumns``).
    static func appendRow(_ sealed: SealedAuditEvent, to binds: inout [SQLiteData]) {
        let event = sealed.event
        binds.append(.integer(Int(event.seq)))
        binds.append(.text(event.id))
        binds.append(.integer(Int(event.time.milliseconds)))
        binds.append(.integer(Int(event.receivedAt.milliseconds)))
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
        binds.append(.bytes(sealed.canonical))
        binds.append(.bytes(sealed.hash))
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
