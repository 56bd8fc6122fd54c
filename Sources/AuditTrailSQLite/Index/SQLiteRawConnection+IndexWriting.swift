import AuditTrail

extension SQLiteRawConnection {
    // MARK: Writing (the index writer, on the index file alone)

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
            try index.forEachStoredRow { kind, value, set in
                try run(
                    insert,
                    bind: { b in
                        b.integer(1, index.chunk)
                        b.integer(2, Int64(kind.rawValue))
                        b.text(3, utf8: value)
                        b.blob(4, bytes: set)
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
}
