import AuditTrail
import SQLiteNIO

/// The deferred secondary indexes. The events table keeps only its seq, id and time indexes
/// inline, so appends stay fast as the log grows; the other look-ups live in a second database
/// file (`audit-index.sqlite`, attached as `ix`) as posting rows `(segment, kind, key, seq)`.
///
/// A merge (``SQLiteAuditStore/mergeIndexes()``, called by `run()`) copies one segment of the
/// not yet indexed tail at a time, sorted, in a transaction that writes only the index file, so
/// it never holds the events file's write lock. Queries take candidate seqs from the postings of
/// the segments listed in `ix.segments` plus a scan of the tail after the last merged seq, both
/// read in the same statement; the full filter is still applied to the candidates, so a lagging
/// or empty index makes queries slower, never wrong.
enum SQLitePostings {
    /// Posting kinds (never renumber: they are stored).
    enum Kind: Int {
        case actor = 1
        case action = 2
        case resourceType = 3
        case resourceID = 4
        case correlationID = 5
    }

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS ix.postings (
            segment INTEGER NOT NULL, kind INTEGER NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,
            PRIMARY KEY (segment, kind, key, seq)
        ) WITHOUT ROWID
        """,
        "CREATE TABLE IF NOT EXISTS ix.segments (segment INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL)",
    ]

    static let mergedBound = "(SELECT coalesce(max(last_seq), 0) FROM ix.segments)"

    /// A condition selecting a superset of the seqs matching `query`, from the most selective
    /// indexed filter it has, or nil when it has none (the query then scans by seq or time).
    static func candidates(_ query: AuditQuery, _ builder: inout AuditSQLQueryBuilder) -> String? {
        let (kind, column, match): (Kind, String, KeyMatch)
        if let actor = query.visibleActor ?? query.actor {
            (kind, column, match) = (.actor, "actor_id", .equal(actor))
        } else if let correlation = query.correlationID {
            (kind, column, match) = (.correlationID, "correlation_id", .equal(correlation))
        } else if let id = query.resourceID {
            (kind, column, match) = (.resourceID, "resource_id", .equal(id))
        } else if case .exact(let action)? = query.action {
            (kind, column, match) = (.action, "action", .equal(action))
        } else if let type = query.resourceType {
            (kind, column, match) = (.resourceType, "resource_type", .equal(type))
        } else if case .prefix(let prefix)? = query.action, let upper = AuditSQLDialect.prefixUpperBound(prefix), !prefix.isEmpty {
            (kind, column, match) = (.action, "action", .range(prefix, upper))
        } else {
            return nil
        }
        let kindValue = builder.bind(.integer(Int64(kind.rawValue)))
        let indexed: String
        let tail: String
        switch match {
        case .equal(let value):
            indexed = "key = \(builder.bind(.text(value)))"
            tail = "\(column) = \(builder.bind(.text(value)))"
        case .range(let low, let high):
            indexed = "key >= \(builder.bind(.text(low))) AND key < \(builder.bind(.text(high)))"
            tail = "\(column) >= \(builder.bind(.text(low))) AND \(column) < \(builder.bind(.text(high)))"
        }
        return """
            seq IN (SELECT seq FROM ix.postings WHERE segment IN (SELECT segment FROM ix.segments) \
            AND kind = \(kindValue) AND \(indexed) \
            UNION ALL SELECT seq FROM events WHERE seq > \(mergedBound) AND \(tail))
            """
    }

    enum KeyMatch {
        case equal(String)
        case range(String, String)
    }

    /// The column each posting kind copies from the events table.
    static let kindColumns: [(Kind, String)] = [
        (.actor, "actor_id"), (.action, "action"), (.resourceType, "resource_type"),
        (.resourceID, "resource_id"), (.correlationID, "correlation_id"),
    ]

    /// Inserts the postings of events `first…last` as segment `segment`, sorted, and records it.
    ///
    /// One sorted `INSERT … SELECT` per kind: each sort holds one segment's keys (a few MB, inside
    /// the sorter's memory), where a single pass over all five kinds sorted five times as many
    /// records and spilled — measured 0.25–0.32 s of CPU per 65,536 events instead of 0.56–0.63 s.
    static func mergeStatements(segment: Int64, first: Int64, last: Int64) -> [(String, [SQLiteData])] {
        let bounds: [SQLiteData] = [.integer(Int(segment)), .integer(Int(first)), .integer(Int(last))]
        var statements: [(String, [SQLiteData])] = kindColumns.map { kind, column in
            let sql = """
                INSERT INTO ix.postings (segment, kind, key, seq) SELECT ?1, \(kind.rawValue), \(column), seq
                FROM main.events WHERE seq BETWEEN ?2 AND ?3 AND \(column) IS NOT NULL ORDER BY 3, 4
                """
            return (sql, bounds)
        }
        statements.append(("INSERT INTO ix.segments (segment, first_seq, last_seq) VALUES (?1, ?2, ?3)", bounds))
        return statements
    }
}
