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
/// the newest chunk lives in memory (``AuditIndexTail``).
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
