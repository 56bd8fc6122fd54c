import AuditTrail

/// The search index's file, `audit-index.sqlite`: derived data, rebuilt from the events whenever
/// it is missing, belongs to another log, or uses another chunk size.
///
/// - `sets`: one row per chunk and key — the chunk's ``AuditSeqSet`` for that key, in its canonical
///   stored form — clustered by chunk (a chunk's keys of one kind are one range: stats and
///   prefixes); the chunks a key appears in are found by one probe per chunk.
/// - `chunks`: one row per complete chunk: its seq range, event count, time bounds, the set of
///   events present and the time column.
/// - `rollups`: one row per complete chunk: its ``AuditChunkRollup`` (stats over whole chunks).
/// - `spans`: one row per span of 16 stored chunks: their merged rollup (stats over long ranges).
/// - `index_info`: the log id, the chunk size and the format the file was built for (a file of
///   another format is emptied and built again).
///
/// Only complete chunks (every seq of the chunk committed) are written, each in one transaction;
/// the newest chunk lives in memory (``SQLiteIndexTail``).
enum SQLiteIndexFile {
    /// The layout of the file's tables: 2 added rollups, 3 counts per actor in them, 4 the actor column,
    /// 5 spans.
    static let format = "5"

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS sets (
            chunk INTEGER NOT NULL, kind INTEGER NOT NULL, key TEXT NOT NULL, events BLOB NOT NULL,
            PRIMARY KEY (chunk, kind, key)
        ) WITHOUT ROWID
        """,
        // No second index by key: it doubled the cost of writing a chunk, and the few look-ups by
        // key (the chunks a key is in, the keys with a prefix) probe each chunk instead.
        "DROP INDEX IF EXISTS sets_by_key",
        """
        CREATE TABLE IF NOT EXISTS chunks (
            chunk INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, events INTEGER NOT NULL,
            min_time INTEGER, max_time INTEGER, present BLOB NOT NULL, times BLOB NOT NULL
        )
        """,
        "CREATE TABLE IF NOT EXISTS rollups (chunk INTEGER PRIMARY KEY, rollup BLOB NOT NULL)",
        "CREATE TABLE IF NOT EXISTS spans (span INTEGER PRIMARY KEY, rollup BLOB NOT NULL)",
        "CREATE TABLE IF NOT EXISTS index_info (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
        // The postings of the index before chunk sets (schema migrations 2–5).
        "DROP TABLE IF EXISTS postings",
        "DROP TABLE IF EXISTS segments",
    ]
}

extension SQLiteRawConnection {
    // MARK: Writing (the index writer)

    /// Creates the index tables and empties them when they were built for another log, another
    /// chunk size, or events the log does not have (a database restored from an older copy).
    /// Returns the chunks already stored.
    func prepareIndexFile(logID: String, geometry: AuditIndexGeometry, head: Int64) throws -> [Int64] {
        for statement in SQLiteIndexFile.schema { try execute(statement) }
        var info: [String: String] = [:]
        try run(
            "SELECT name, value FROM index_info",
            keep: false,
            row: { row in
                if let name = row.text(0), let value = row.text(1) { info[name] = value }
            }
        )
        var lastSeq: Int64 = 0
        try run("SELECT coalesce(max(last_seq), 0) FROM chunks", keep: false, row: { lastSeq = $0.integer(0) ?? 0 })
        let expected = ["log_id": logID, "chunk_shift": String(geometry.shift), "format": SQLiteIndexFile.format]
        if info["format"] == "4", info.merging(["format": SQLiteIndexFile.format], uniquingKeysWith: { $1 }) == expected, lastSeq <= head {
            // Format 5 only added spans, which follow from the stored rollups: made here instead
            // of rebuilding the whole index.
            try immediateTransaction {
                var spans = Set<Int64>()
                try run(
                    "SELECT chunk FROM rollups",
                    keep: false,
                    row: { row in
                        if let chunk = row.integer(0) { spans.insert(chunk / Int64(AuditIndexGeometry.spanChunks)) }
                    }
                )
                for span in spans.sorted() { try writeSpanIfComplete(span) }
                try run("UPDATE index_info SET value = ? WHERE name = 'format'", keep: false, bind: { $0.text(1, SQLiteIndexFile.format) })
            }
            info["format"] = SQLiteIndexFile.format
        }
        if info != expected || lastSeq > head {
            try immediateTransaction {
                try emptyIndex()
                try execute("DELETE FROM index_info")
                for (name, value) in expected.sorted(by: { $0.key < $1.key }) {
                    try run(
                        "INSERT INTO index_info (name, value) VALUES (?, ?)",
                        keep: false,
                        bind: { b in
                            b.text(1, name)
                            b.text(2, value)
                        }
                    )
                }
            }
        }
        var chunks: [Int64] = []
        try run("SELECT chunk FROM chunks ORDER BY chunk", keep: false, row: { if let chunk = $0.integer(0) { chunks.append(chunk) } })
        return chunks
    }

    /// Removes every chunk, set, rollup and span (inside the caller's transaction).
    func emptyIndex() throws {
        for table in ["sets", "chunks", "rollups", "spans"] { try execute("DELETE FROM \(table)") }
    }

    /// Writes a complete chunk (replacing whatever the file held for it) in one transaction.
    func writeChunk(_ index: AuditChunkIndex) throws {
        try immediateTransaction {
            try run("DELETE FROM sets WHERE chunk = ?", bind: { $0.integer(1, index.chunk) })
            try run("DELETE FROM chunks WHERE chunk = ?", bind: { $0.integer(1, index.chunk) })
            try run("DELETE FROM rollups WHERE chunk = ?", bind: { $0.integer(1, index.chunk) })
            let insert = try prepared("INSERT INTO sets (chunk, kind, key, events) VALUES (?, ?, ?, ?)")
            for key in index.sortedKeys {
                try run(
                    insert,
                    bind: { b in
                        b.integer(1, index.chunk)
                        b.integer(2, Int64(key.kind.rawValue))
                        b.text(3, key.value)
                        b.blob(4, index.set(key)!.serialized)
                    }
                )
            }
            let seqs = index.geometry.seqs(index.chunk)
            try run(
                "INSERT INTO chunks (chunk, first_seq, last_seq, events, min_time, max_time, present, times) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                bind: { b in
                    b.integer(1, index.chunk)
                    b.integer(2, seqs.lowerBound)
                    b.integer(3, seqs.upperBound)
                    b.integer(4, Int64(index.present.count))
                    b.integer(5, index.timeBounds?.lowerBound)
                    b.integer(6, index.timeBounds?.upperBound)
                    b.blob(7, index.present.serialized)
                    b.blob(8, index.serializedTimes)
                }
            )
            try run(
                "INSERT INTO rollups (chunk, rollup) VALUES (?, ?)",
                bind: { b in
                    b.integer(1, index.chunk)
                    b.blob(2, index.rollup.serialized)
                }
            )
            try writeSpanIfComplete(index.chunk / Int64(AuditIndexGeometry.spanChunks))
        }
    }

    /// Writes (or rewrites) the span's merged rollup once all its chunks are stored.
    func writeSpanIfComplete(_ span: Int64) throws {
        let chunks = AuditIndexGeometry.chunks(ofSpan: span)
        var stored = 0
        try run(
            "SELECT count(*) FROM rollups WHERE chunk BETWEEN ? AND ?",
            bind: { b in
                b.integer(1, chunks.lowerBound)
                b.integer(2, chunks.upperBound)
            },
            row: { stored = Int($0.integer(0) ?? 0) }
        )
        guard stored == AuditIndexGeometry.spanChunks else { return }
        var parts: [AuditChunkRollup] = []
        try run(
            "SELECT chunk, rollup FROM rollups WHERE chunk BETWEEN ? AND ? ORDER BY chunk",
            bind: { b in
                b.integer(1, chunks.lowerBound)
                b.integer(2, chunks.upperBound)
            },
            row: { row in
                let chunk = row.integer(0) ?? -1
                parts.append(
                    try row.withBytes(1) { bytes in
                        guard let rollup = AuditChunkRollup(serialized: bytes) else { throw Self.corrupt("the rollup of chunk \(chunk)") }
                        return rollup
                    }
                )
            }
        )
        try run(
            "INSERT OR REPLACE INTO spans (span, rollup) VALUES (?, ?)",
            bind: { b in
                b.integer(1, span)
                b.blob(2, AuditChunkRollup(merging: parts).serialized)
            }
        )
    }

    /// Removes the stored chunks that hold only removed events (retention), below `chunk`.
    func deleteChunks(below chunk: Int64) throws {
        try immediateTransaction {
            try run("DELETE FROM sets WHERE chunk < ?", bind: { $0.integer(1, chunk) })
            try run("DELETE FROM chunks WHERE chunk < ?", bind: { $0.integer(1, chunk) })
            try run("DELETE FROM rollups WHERE chunk < ?", bind: { $0.integer(1, chunk) })
            try run(
                "DELETE FROM spans WHERE span * ? < ?",
                bind: { b in
                    b.integer(1, Int64(AuditIndexGeometry.spanChunks))
                    b.integer(2, chunk)
                }
            )
        }
    }

    // MARK: Reading (a searcher: the events file with the index attached as `ix`)

    /// Attaches the index file as `ix` (on a searcher).
    func attachIndex(_ path: String) throws {
        try run("ATTACH DATABASE ? AS ix", keep: false, bind: { $0.text(1, path) })
    }

    /// The log's id (`log_info`), which the index file is built for.
    func logID() throws -> String {
        var id = ""
        try run("SELECT value FROM log_info WHERE name = 'log_id'", keep: false, row: { id = $0.text(0) ?? "" })
        return id
    }

    /// The newest seq and the newest seq removed by retention (0 when none).
    func searchBounds() throws -> (head: Int64, removedThrough: Int64) {
        var head: Int64 = 0
        var removed: Int64 = 0
        try run(
            "SELECT (SELECT coalesce(max(seq), 0) FROM events), (SELECT coalesce(max(seq), 0) FROM retention_anchors)",
            row: { row in
                head = row.integer(0) ?? 0
                removed = row.integer(1) ?? 0
            }
        )
        return (head, removed)
    }

    /// The stored chunks, ascending.
    func storedChunks() throws -> [Int64] {
        var chunks: [Int64] = []
        try run("SELECT chunk FROM ix.chunks ORDER BY chunk", row: { if let chunk = $0.integer(0) { chunks.append(chunk) } })
        return chunks
    }

    /// One stored chunk's sets of `keys`, present events, time bounds and (with `times`) time
    /// column; nil when the chunk is not stored.
    func readChunk(_ chunk: Int64, keys: [AuditIndexKey], times: Bool) throws -> AuditChunkRead? {
        var read: AuditChunkRead?
        try run(
            "SELECT min_time, max_time, present FROM ix.chunks WHERE chunk = ?",
            bind: { $0.integer(1, chunk) },
            row: { row in
                let present = try row.seqSet(2, "the present events of chunk \(chunk)")
                let bounds = row.integer(0).flatMap { low in row.integer(1).map { low...max(low, $0) } }
                read = AuditChunkRead(sets: [:], present: present, timeBounds: bounds, times: nil)
            }
        )
        guard var found = read else { return nil }
        let lookup = try prepared("SELECT events FROM ix.sets WHERE chunk = ? AND kind = ? AND key = ?")
        for key in keys {
            try run(
                lookup,
                bind: { b in
                    b.integer(1, chunk)
                    b.integer(2, Int64(key.kind.rawValue))
                    b.text(3, key.value)
                },
                row: { row in
                    found.sets[key] = try row.seqSet(0, "the set of \(key.kind) in chunk \(chunk)")
                }
            )
        }
        if times {
            try run(
                "SELECT times FROM ix.chunks WHERE chunk = ?",
                bind: { $0.integer(1, chunk) },
                row: { row in
                    found.times = try row.withBytes(0) { bytes in
                        guard let column = AuditChunkIndex.times(serialized: bytes) else { throw Self.corrupt("the times of chunk \(chunk)") }
                        return column
                    }
                }
            )
        }
        return found
    }

    /// One stored chunk's rollup, or nil when the chunk is not stored.
    func readRollup(_ chunk: Int64) throws -> AuditChunkRollup? { try readRollup("rollups", "chunk", chunk) }

    /// One stored span's merged rollup, or nil when the span is not stored.
    func readSpanRollup(_ span: Int64) throws -> AuditChunkRollup? { try readRollup("spans", "span", span) }

    private func readRollup(_ table: String, _ column: String, _ chunk: Int64) throws -> AuditChunkRollup? {
        var rollup: AuditChunkRollup?
        try run(
            "SELECT rollup FROM ix.\(table) WHERE \(column) = ?",
            bind: { $0.integer(1, chunk) },
            row: { row in
                rollup = try row.withBytes(0) { bytes in
                    guard let found = AuditChunkRollup(serialized: bytes) else { throw Self.corrupt("the rollup of \(column) \(chunk)") }
                    return found
                }
            }
        )
        return rollup
    }

    /// Every stored set of `kinds` in `chunk`.
    func readSets(_ chunk: Int64, kinds: [AuditIndexKey.Kind]) throws -> [AuditIndexKey: AuditSeqSet] {
        var sets: [AuditIndexKey: AuditSeqSet] = [:]
        let statement = try prepared("SELECT key, events FROM ix.sets WHERE chunk = ? AND kind = ?")
        for kind in kinds {
            try run(
                statement,
                bind: { b in
                    b.integer(1, chunk)
                    b.integer(2, Int64(kind.rawValue))
                },
                row: { row in
                    guard let value = row.text(0) else { return }
                    sets[AuditIndexKey(kind, value)] = try row.seqSet(1, "the set of \(kind) in chunk \(chunk)")
                }
            )
        }
        return sets
    }

    /// The stored chunks in which `key` has events, ascending (one primary-key probe per chunk).
    func storedChunks(containing key: AuditIndexKey, among stored: [Int64]) throws -> [Int64] {
        var found: [Int64] = []
        let probe = try prepared("SELECT 1 FROM ix.sets WHERE chunk = ? AND kind = ? AND key = ?")
        for chunk in stored {
            try run(
                probe,
                bind: { b in
                    b.integer(1, chunk)
                    b.integer(2, Int64(key.kind.rawValue))
                    b.text(3, key.value)
                },
                row: { _ in found.append(chunk) }
            )
        }
        return found
    }

    /// The stored values of `kind` that start with `prefix` (byte-wise), ascending, at most `limit`
    /// (one range of the primary key per chunk).
    func storedValues(_ kind: AuditIndexKey.Kind, prefix: String, limit: Int, among stored: [Int64]) throws -> [String] {
        var values = Set<AuditIndexKey>()
        let range = try prepared("SELECT key FROM ix.sets WHERE chunk = ? AND kind = ? AND key >= ? ORDER BY key")
        for chunk in stored {
            var taken = 0
            try run(
                range,
                bind: { b in
                    b.integer(1, chunk)
                    b.integer(2, Int64(kind.rawValue))
                    b.text(3, prefix)
                },
                row: { row in
                    guard let value = row.text(0), value.utf8.starts(with: prefix.utf8) else { throw Stop() }
                    values.insert(AuditIndexKey(kind, value))
                    taken += 1
                    if taken > limit { throw Stop() }
                }
            )
            if values.count > limit { break }
        }
        return Array(values.sorted().map(\.value).prefix(limit))
    }

    /// The stored events of `seqs` (those removed are left out), in the order given.
    func events(seqs: [Int64]) throws -> [AuditStoredEvent] {
        var events: [AuditStoredEvent] = []
        events.reserveCapacity(seqs.count)
        let statement = try prepared("SELECT seq, id, canonical, hash FROM events WHERE seq = ?")
        for seq in seqs {
            try run(
                statement,
                bind: { $0.integer(1, seq) },
                row: { row in
                    guard let id = row.text(1), let hash = row.hash(3) else {
                        throw AuditTrailError(.tampered, "the stored event at seq \(seq) lacks its id or a 32-byte hash", seq: seq)
                    }
                    events.append(AuditStoredEvent(seq: seq, id: id, canonical: row.bytes(2), hash: hash))
                }
            )
        }
        return events
    }

    static func corrupt(_ what: String) -> AuditTrailError {
        AuditTrailError(.storeFailure, "the search index is damaged (\(what)); delete audit-index.sqlite to rebuild it")
    }
}

extension SQLiteRawConnection.Row {
    /// A stored set column (``AuditSeqSet/serialized``); `.storeFailure` naming `what` when the
    /// bytes are not a set's canonical form.
    func seqSet(_ column: Int32, _ what: @autoclosure () -> String) throws -> AuditSeqSet {
        try withBytes(column) { bytes in
            guard let set = AuditSeqSet(serialized: bytes) else { throw SQLiteRawConnection.corrupt(what()) }
            return set
        }
    }
}
