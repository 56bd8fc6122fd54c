import AuditTrail

extension SQLiteRawConnection {
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
        for key in keys {
            found.sets[key] = try storedSet(chunk, key)
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

    /// One stored chunk's rollup or span's merged rollup, or nil when it is not stored.
    func readRollup(_ key: AuditIndexCache.RollupKey) throws -> AuditChunkRollup? {
        let (table, column, number) =
            switch key {
            case .chunk(let chunk): ("rollups", "chunk", chunk)
            case .span(let span): ("spans", "span", span)
            }
        var rollup: AuditChunkRollup?
        try run(
            "SELECT rollup FROM ix.\(table) WHERE \(column) = ?",
            bind: { $0.integer(1, number) },
            row: { row in
                rollup = try row.withBytes(0) { bytes in
                    guard let found = AuditChunkRollup(serialized: bytes) else { throw Self.corrupt("the rollup of \(column) \(number)") }
                    return found
                }
            }
        )
        return rollup
    }

    /// The stored set of `key` in `chunk`, or nil: from the row with the greatest key at or
    /// below the value (its own row, or the packed row that holds it: ``AuditPackedSets``).
    func storedSet(_ chunk: Int64, _ key: AuditIndexKey) throws -> AuditSeqSet? {
        let lookup = try prepared("SELECT key, events FROM ix.sets WHERE chunk = ? AND kind = ? AND key <= ? ORDER BY key DESC LIMIT 1")
        var set: AuditSeqSet?
        try run(
            lookup,
            bind: { $0.chunkKey(chunk, key) },
            row: { row in
                guard let stored = row.text(0) else { return }
                set = try row.withBytes(1) { events in
                    do { return try AuditPackedSets.set(of: key.value, row: stored, events: events) } catch {
                        throw Self.corrupt("the set of \(key.kind) in chunk \(chunk)")
                    }
                }
            }
        )
        return set
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
                    guard let stored = row.text(0) else { return }
                    let held = try row.withBytes(1) { events in
                        do { return try AuditPackedSets.sets(row: stored, events: events) } catch {
                            throw Self.corrupt("the set of \(kind) in chunk \(chunk)")
                        }
                    }
                    for (value, set) in held { sets[AuditIndexKey(kind, value)] = set }
                }
            )
        }
        return sets
    }

    /// The stored chunks in which `key` has events, ascending (one primary-key probe per chunk).
    func storedChunks(containing key: AuditIndexKey, among stored: [Int64]) throws -> [Int64] {
        var found: [Int64] = []
        for chunk in stored where try storedSet(chunk, key) != nil { found.append(chunk) }
        return found
    }

    /// The stored values of `kind` that start with `prefix` (byte-wise), ascending, at most `limit`
    /// (one range of the primary key per chunk).
    func storedValues(_ kind: AuditIndexKey.Kind, prefix: String, limit: Int, among stored: [Int64]) throws -> [String] {
        var values = Set<AuditIndexKey>()
        // From the row at or below the prefix (a packed row there may hold values with it).
        let range = try prepared(
            """
            SELECT key, events FROM ix.sets WHERE chunk = ?1 AND kind = ?2
            AND key >= coalesce((SELECT max(key) FROM ix.sets WHERE chunk = ?1 AND kind = ?2 AND key <= ?3), ?3) ORDER BY key
            """
        )
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
                    guard let first = row.text(0) else { return }
                    if AuditIndexKey.compareBytes(first, prefix) > 0, !first.utf8.starts(with: prefix.utf8) { throw Stop() }
                    let held = try row.withBytes(1) { events in
                        do { return try AuditPackedSets.sets(row: first, events: events) } catch {
                            throw Self.corrupt("a set of \(kind) in chunk \(chunk)")
                        }
                    }
                    for (value, _) in held where value.utf8.starts(with: prefix.utf8) {
                        values.insert(AuditIndexKey(kind, value))
                        taken += 1
                    }
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

    // MARK: The index file's WAL (on the index writer)

    /// A PASSIVE checkpoint of this connection's database; when the WAL then holds `resetFrames`
    /// frames or more, a RESTART that waits at most `busyMilliseconds` for readers, so the next
    /// write starts the WAL over instead of growing it. Returns the frames before and whether
    /// the WAL was started over.
    func checkpointWAL(resetFrames: Int, busyMilliseconds: Int, restoreBusyMilliseconds: Int) throws -> (frames: Int, reset: Bool) {
        var frames = 0
        try run("PRAGMA main.wal_checkpoint(PASSIVE)", keep: false, row: { frames = Int($0.integer(1) ?? 0) })
        guard frames >= resetFrames else { return (frames, false) }
        try execute("PRAGMA busy_timeout = \(max(0, busyMilliseconds))")
        defer { try? execute("PRAGMA busy_timeout = \(max(0, restoreBusyMilliseconds))") }
        var busy: Int64 = 1
        try run("PRAGMA main.wal_checkpoint(RESTART)", keep: false, row: { busy = $0.integer(0) ?? 1 })
        return (frames, busy == 0)
    }
}

extension SQLiteRawConnection.Binder {
    /// Binds placeholders 1–3 of `chunk = ? AND kind = ? AND key = ?`.
    mutating func chunkKey(_ chunk: Int64, _ key: AuditIndexKey) {
        integer(1, chunk)
        integer(2, Int64(key.kind.rawValue))
        text(3, key.value)
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
