import AuditTrail
import Logging
import NIOCore
import PostgresNIO

/// The search index's persisted chunks in `index_chunks`, `index_sets` and `index_spans` — the
/// same serialized sets, time columns and rollups as the SQLite index file — read and written
/// for the core's ``AuditIndexTail`` and ``AuditIndexSnapshot``.
extension PostgresAuditStore: AuditIndexStorage {
    package var indexLogger: Logger { logger }

    package func indexBounds() async throws -> (head: Int64, removedThrough: Int64) {
        try await read("index") { connection in
            let rows = try await connection.checkedQuery(
                """
                SELECT (SELECT seq FROM \(unescaped: s).chain_head WHERE id = 1),
                    (SELECT coalesce(max(seq), 0) FROM \(unescaped: s).retention_anchors)
                """,
                logger: logger
            )
            for try await (head, removed) in rows.decode((Int64, Int64).self) { return (head, removed) }
            throw AuditTrailError(.storeFailure, "the chain head row is missing")
        }
    }

    package func indexRows(after afterSeq: Int64, limit: Int) async throws -> [AuditStoredEvent] {
        try await rows(after: afterSeq, limit: limit)
    }

    package func indexEvents(seqs: [Int64]) async throws -> [AuditStoredEvent] {
        guard !seqs.isEmpty else { return [] }
        let found = try await read("query") { connection in
            try await Self.storedEvents(
                connection.checkedQuery(
                    "SELECT seq, id, canonical, hash FROM \(unescaped: s).events WHERE seq = ANY(\(seqs)::int8[])",
                    logger: logger
                )
            )
        }
        var bySeq: [Int64: AuditStoredEvent] = [:]
        for event in found { bySeq[event.seq] = event }
        return seqs.compactMap { bySeq[$0] }
    }

    package func storedChunks() async throws -> [Int64] {
        try await read("index") { connection in
            var chunks: [Int64] = []
            for try await chunk in try await connection.checkedQuery(
                "SELECT chunk FROM \(unescaped: s).index_chunks ORDER BY chunk",
                logger: logger
            ).decode(Int64.self) {
                chunks.append(chunk)
            }
            return chunks
        }
    }

    package func storedChunks(containing key: AuditIndexKey, among stored: [Int64]) async throws -> [Int64] {
        guard !stored.isEmpty else { return [] }
        return try await read("index") { connection in
            var chunks: [Int64] = []
            // Per chunk, the row at or below the value: its own, or a packed row that may hold it.
            for try await (chunk, row, events) in try await connection.checkedQuery(
                """
                SELECT c.chunk, x.key, x.events FROM unnest(\(stored)::int8[]) AS c(chunk), LATERAL (
                    SELECT key, events FROM \(unescaped: s).index_sets
                    WHERE chunk = c.chunk AND kind = \(Int16(key.kind.rawValue)) AND key <= \(key.value) COLLATE "C"
                    ORDER BY key DESC LIMIT 1
                ) x ORDER BY c.chunk
                """,
                logger: logger
            ).decode((Int64, String, ByteBuffer).self) {
                if try Self.set(of: key, row: row, events: events, chunk: chunk) != nil { chunks.append(chunk) }
            }
            return chunks
        }
    }

    package func storedValues(_ kind: AuditIndexKey.Kind, prefix: String, limit: Int, among stored: [Int64]) async throws -> [String] {
        guard !stored.isEmpty, limit > 0 else { return [] }
        return try await read("index") { connection in
            var values = Set<AuditIndexKey>()
            // One range of the primary key per chunk, from the row at or below the prefix (a
            // packed row there may hold values with it); every further row holds at least one
            // value with the prefix, so limit + 2 rows hold limit + 1 values when there are.
            let number = Int16(kind.rawValue)
            let rows = try await connection.checkedQuery(
                """
                SELECT v.chunk, v.key, v.events FROM unnest(\(stored)::int8[]) AS c(chunk), LATERAL (
                    SELECT chunk, key, events FROM \(unescaped: s).index_sets
                    WHERE chunk = c.chunk AND kind = \(number) AND key < \(prefix + "\u{10FFFF}") COLLATE "C" AND key >= coalesce((
                        SELECT max(key) FROM \(unescaped: s).index_sets WHERE chunk = c.chunk AND kind = \(number) AND key <= \(prefix) COLLATE "C"
                    ), \(prefix) COLLATE "C")
                    ORDER BY key LIMIT \(limit + 2)
                ) v
                """,
                logger: logger
            )
            for try await (chunk, row, events) in rows.decode((Int64, String, ByteBuffer).self) {
                for (value, _) in try Self.sets(kind, row: row, events: events, chunk: chunk) where value.utf8.starts(with: prefix.utf8) {
                    values.insert(AuditIndexKey(kind, value))
                }
            }
            return Array(values.sorted().map(\.value).prefix(limit))
        }
    }

    /// What a stored row says of `key` (``AuditPackedSets/set(of:row:events:)``).
    static func set(of key: AuditIndexKey, row: String, events: ByteBuffer, chunk: Int64) throws -> AuditSeqSet? {
        do { return try AuditPackedSets.set(of: key.value, row: row, events: events.readableBytesView) } catch {
            throw corrupt("the set of \(key.kind) in chunk \(chunk)")
        }
    }

    /// Every value and set a stored row holds (``AuditPackedSets/sets(row:events:)``).
    static func sets(_ kind: AuditIndexKey.Kind, row: String, events: ByteBuffer, chunk: Int64) throws -> [(value: String, set: AuditSeqSet)] {
        do { return try AuditPackedSets.sets(row: row, events: events.readableBytesView) } catch {
            throw corrupt("a set of \(kind) in chunk \(chunk)")
        }
    }

    package func readStoredChunk(_ chunk: Int64, keys: [AuditIndexKey], times: Bool) async throws -> AuditChunkRead? {
        try await read("index") { connection -> AuditChunkRead? in
            var read: AuditChunkRead?
            let head = try await connection.checkedQuery(
                """
                SELECT min_time, max_time, present, CASE WHEN \(times) THEN times ELSE NULL END
                FROM \(unescaped: s).index_chunks WHERE chunk = \(chunk)
                """,
                logger: logger
            )
            for try await (low, high, present, column) in head.decode((Int64?, Int64?, ByteBuffer, ByteBuffer?).self) {
                guard let present = AuditSeqSet(serialized: present.readableBytesView) else {
                    throw Self.corrupt("the present events of chunk \(chunk)")
                }
                let bounds = low.flatMap { low in high.map { low...max(low, $0) } }
                var times: [Int64]?
                if let column {
                    guard let decoded = AuditChunkIndex.times(serialized: column.readableBytesView) else {
                        throw Self.corrupt("the times of chunk \(chunk)")
                    }
                    times = decoded
                }
                read = AuditChunkRead(sets: [:], present: present, timeBounds: bounds, times: times)
            }
            guard var found = read else { return nil }
            if !keys.isEmpty {
                let kinds = keys.map { Int16($0.kind.rawValue) }
                let values = keys.map(\.value)
                // Per key, the row at or below its value: its own, or a packed row that may hold it.
                let rows = try await connection.checkedQuery(
                    """
                    SELECT w.kind, w.key, x.key, x.events FROM unnest(\(kinds)::int2[], \(values)::text[]) AS w(kind, key), LATERAL (
                        SELECT key, events FROM \(unescaped: s).index_sets
                        WHERE chunk = \(chunk) AND kind = w.kind AND key <= w.key COLLATE "C" ORDER BY key DESC LIMIT 1
                    ) x
                    """,
                    logger: logger
                )
                for try await (kind, value, row, events) in rows.decode((Int16, String, String, ByteBuffer).self) {
                    guard let kind = AuditIndexKey.Kind(rawValue: UInt8(truncatingIfNeeded: kind)) else {
                        throw Self.corrupt("a set in chunk \(chunk)")
                    }
                    let key = AuditIndexKey(kind, value)
                    if let set = try Self.set(of: key, row: row, events: events, chunk: chunk) { found.sets[key] = set }
                }
            }
            return found
        }
    }

    package func readStoredSets(_ chunk: Int64, kinds: [AuditIndexKey.Kind]) async throws -> [AuditIndexKey: AuditSeqSet] {
        guard !kinds.isEmpty else { return [:] }
        let numbers = kinds.map { Int16($0.rawValue) }
        return try await read("index") { connection in
            var sets: [AuditIndexKey: AuditSeqSet] = [:]
            let rows = try await connection.checkedQuery(
                "SELECT kind, key, events FROM \(unescaped: s).index_sets WHERE chunk = \(chunk) AND kind = ANY(\(numbers)::int2[])",
                logger: logger
            )
            for try await (kind, row, events) in rows.decode((Int16, String, ByteBuffer).self) {
                guard let kind = AuditIndexKey.Kind(rawValue: UInt8(truncatingIfNeeded: kind)) else { throw Self.corrupt("a set in chunk \(chunk)") }
                for (value, set) in try Self.sets(kind, row: row, events: events, chunk: chunk) { sets[AuditIndexKey(kind, value)] = set }
            }
            return sets
        }
    }

    package func readStoredRollup(_ key: AuditIndexCache.RollupKey) async throws -> AuditChunkRollup? {
        try await read("index") { connection -> AuditChunkRollup? in
            let rows: PostgresRowSequence
            switch key {
            case .chunk(let chunk):
                rows = try await connection.checkedQuery("SELECT rollup FROM \(unescaped: s).index_chunks WHERE chunk = \(chunk)", logger: logger)
            case .span(let span):
                rows = try await connection.checkedQuery("SELECT rollup FROM \(unescaped: s).index_spans WHERE span = \(span)", logger: logger)
            }
            for try await bytes in rows.decode(ByteBuffer.self) {
                guard let rollup = AuditChunkRollup(serialized: bytes.readableBytesView) else { throw Self.corrupt("the rollup of \(key)") }
                return rollup
            }
            return nil
        }
    }

    /// Writes a complete chunk in one transaction; a chunk another instance wrote first is left
    /// as it is (both were built from the same rows). Writes the span's merged rollup once all its
    /// chunks are stored.
    package func persistIndexChunk(_ index: AuditChunkIndex) async throws {
        var columns: (kinds: [Int16], values: [String], sets: [ByteBuffer]) = ([], [], [])
        try index.forEachStoredRow { kind, value, set in
            columns.kinds.append(Int16(kind.rawValue))
            columns.values.append(String(decoding: value, as: UTF8.self))
            columns.sets.append(ByteBuffer(bytes: set))
        }
        let (kinds, values, sets) = columns
        let seqs = index.geometry.seqs(index.chunk)
        let present = ByteBuffer(bytes: index.present.serialized)
        let times = ByteBuffer(bytes: index.serializedTimes)
        let rollup = ByteBuffer(bytes: index.rollup.serialized)
        let span = index.chunk / Int64(AuditIndexGeometry.spanChunks)
        try await transaction("index write") { connection in
            let inserted = try await connection.checkedQuery(
                """
                INSERT INTO \(unescaped: s).index_chunks (chunk, first_seq, last_seq, events, min_time, max_time, present, times, rollup)
                VALUES (\(index.chunk), \(seqs.lowerBound), \(seqs.upperBound), \(Int32(index.present.count)),
                    \(index.timeBounds?.lowerBound), \(index.timeBounds?.upperBound), \(present), \(times), \(rollup))
                ON CONFLICT (chunk) DO NOTHING RETURNING chunk
                """,
                logger: logger
            ).collect()
            guard !inserted.isEmpty else { return }
            if !kinds.isEmpty {
                try await connection.checkedQuery(
                    """
                    INSERT INTO \(unescaped: s).index_sets (chunk, kind, key, events)
                    SELECT \(index.chunk), * FROM unnest(\(kinds)::int2[], \(values)::text[], \(sets)::bytea[])
                    """,
                    logger: logger
                )
            }
            let chunks = AuditIndexGeometry.chunks(ofSpan: span)
            var parts: [AuditChunkRollup] = []
            for try await bytes in try await connection.checkedQuery(
                """
                SELECT rollup FROM \(unescaped: s).index_chunks WHERE chunk BETWEEN \(chunks.lowerBound) AND \(chunks.upperBound) ORDER BY chunk
                """,
                logger: logger
            ).decode(ByteBuffer.self) {
                guard let part = AuditChunkRollup(serialized: bytes.readableBytesView) else { throw Self.corrupt("a rollup of span \(span)") }
                parts.append(part)
            }
            guard parts.count == AuditIndexGeometry.spanChunks else { return }
            let merged = ByteBuffer(bytes: AuditChunkRollup(merging: parts).serialized)
            try await connection.checkedQuery(
                "INSERT INTO \(unescaped: s).index_spans (span, rollup) VALUES (\(span), \(merged)) ON CONFLICT (span) DO NOTHING",
                logger: logger
            )
        }
    }

    static func corrupt(_ what: String) -> AuditTrailError {
        AuditTrailError(.storeFailure, "the search index is damaged (\(what)); rebuild it with audittrail reindex")
    }
}
