import AuditTrail
import Logging
import SQLiteNIO

/// The database schema as an ordered list of migrations. `schema_version` holds one row: the
/// number of migrations applied. Opening a store applies the missing ones in order, each in its
/// own `BEGIN IMMEDIATE` transaction, so two processes opening a new directory at once agree.
enum SQLiteSchema {
    /// The trigger that makes `events` append-only (migration 1; `reindex` lifts it for the one
    /// transaction that rewrites rows' copies of their fields, then puts it back).
    static let refuseEventUpdates = """
        CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE is refused'); END
        """

    /// The triggers that make `merkle_nodes` append-only (migration 3; again on the table of
    /// migration 7).
    static let refuseMerkleUpdates = """
        CREATE TRIGGER merkle_nodes_refuse_update BEFORE UPDATE ON merkle_nodes
        BEGIN SELECT RAISE(ABORT, 'Merkle nodes are append-only: UPDATE is refused'); END
        """
    static let refuseMerkleDeletes = """
        CREATE TRIGGER merkle_nodes_refuse_delete BEFORE DELETE ON merkle_nodes
        BEGIN SELECT RAISE(ABORT, 'Merkle nodes are append-only: DELETE is refused'); END
        """

    /// Migration `n` (1-based) is `migrations[n - 1]`; never edit one that has shipped, add one.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE events (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL,
                time INTEGER NOT NULL,
                received_at INTEGER NOT NULL,
                action TEXT NOT NULL,
                category TEXT NOT NULL,
                severity INTEGER NOT NULL,
                outcome INTEGER NOT NULL,
                actor_id TEXT,
                actor_name TEXT,
                actor_type TEXT,
                resource_type TEXT,
                resource_id TEXT,
                ip BLOB,
                correlation_id TEXT,
                country TEXT,
                risk INTEGER,
                tags TEXT,
                compliance TEXT,
                search TEXT,
                canonical BLOB NOT NULL,
                hash BLOB NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX events_id ON events (id)",
            "CREATE INDEX events_time ON events (time)",
            "CREATE INDEX events_actor ON events (actor_id) WHERE actor_id IS NOT NULL",
            "CREATE INDEX events_action ON events (action)",
            "CREATE INDEX events_resource ON events (resource_type, resource_id) WHERE resource_type IS NOT NULL",
            refuseEventUpdates,
            """
            CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE is refused'); END
            """,
            "CREATE TABLE action_counts (action TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID",
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                role TEXT NOT NULL,
                subject TEXT,
                created_at INTEGER NOT NULL,
                revoked_at INTEGER,
                secret_hash TEXT NOT NULL UNIQUE
            )
            """,
        ],
        // 2: the actor, action and resource look-ups move to the deferred postings (SQLitePostings).
        [
            "DROP INDEX events_actor",
            "DROP INDEX events_action",
            "DROP INDEX events_resource",
        ],
        // 3: tamper evidence — the Merkle tree's subtree hashes (back-filled, see `backfills`),
        // signed checkpoints and the log's identity, all append-only like the events.
        [
            "CREATE TABLE merkle_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID",
            refuseMerkleUpdates,
            refuseMerkleDeletes,
            "CREATE TABLE checkpoints (tree_size INTEGER PRIMARY KEY, root_hash BLOB NOT NULL, time INTEGER NOT NULL, note TEXT NOT NULL)",
            """
            CREATE TRIGGER checkpoints_refuse_update BEFORE UPDATE ON checkpoints
            BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: UPDATE is refused'); END
            """,
            """
            CREATE TRIGGER checkpoints_refuse_delete BEFORE DELETE ON checkpoints
            BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: DELETE is refused'); END
            """,
            "CREATE TABLE log_info (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
            "INSERT INTO log_info (name, value) VALUES ('log_id', lower(hex(randomblob(16))))",
            """
            CREATE TRIGGER log_info_refuse_update BEFORE UPDATE ON log_info
            BEGIN SELECT RAISE(ABORT, 'the log identity is fixed: UPDATE is refused'); END
            """,
            """
            CREATE TRIGGER log_info_refuse_delete BEFORE DELETE ON log_info
            BEGIN SELECT RAISE(ABORT, 'the log identity is fixed: DELETE is refused'); END
            """,
        ],
        // 4: retention that keeps the proof — the anchors of removed prefixes (append-only; each
        // must name a stored event by its seq and chain hash, after the previous anchor), the one
        // DELETE path on events (rows at or below the newest anchor's seq), and the settings
        // (the retention window) that survive restarts.
        [
            """
            CREATE TABLE retention_anchors (
                seq INTEGER PRIMARY KEY,
                hash BLOB NOT NULL,
                received_at INTEGER NOT NULL,
                subtree_hashes BLOB NOT NULL,
                removed_at INTEGER NOT NULL
            )
            """,
            """
            CREATE TRIGGER retention_anchors_check_insert BEFORE INSERT ON retention_anchors
            WHEN NEW.seq <= (SELECT coalesce(max(seq), 0) FROM retention_anchors)
                OR NOT EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq AND hash = NEW.hash AND received_at = NEW.received_at)
                OR length(NEW.subtree_hashes) % 32 != 0
            BEGIN SELECT RAISE(ABORT, 'a retention anchor must name a stored event after the newest anchor'); END
            """,
            """
            CREATE TRIGGER retention_anchors_refuse_update BEFORE UPDATE ON retention_anchors
            BEGIN SELECT RAISE(ABORT, 'retention anchors are append-only: UPDATE is refused'); END
            """,
            """
            CREATE TRIGGER retention_anchors_refuse_delete BEFORE DELETE ON retention_anchors
            BEGIN SELECT RAISE(ABORT, 'retention anchors are append-only: DELETE is refused'); END
            """,
            "DROP TRIGGER events_refuse_delete",
            """
            CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
            WHEN OLD.seq > (SELECT coalesce(max(seq), 0) FROM retention_anchors)
            BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE is refused outside retention (record an anchor first)'); END
            """,
            "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
        ],
        // 5: chain format v1 (`AuditChain`): the format is recorded in `log_info` (`chain_format`);
        // a new store is v1 at once, a store of format 0 is re-chained after the schema migrations
        // (`SQLiteChainMigration`), its progress kept in `chain_migration` so that a crash resumes it.
        [
            """
            CREATE TABLE chain_migration (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                from_format INTEGER NOT NULL,
                done_seq INTEGER NOT NULL,
                old_hash BLOB NOT NULL,
                new_hash BLOB NOT NULL,
                rewritten INTEGER NOT NULL,
                finished INTEGER NOT NULL DEFAULT 0
            )
            """,
            """
            INSERT INTO log_info (name, value) SELECT 'chain_format', '1'
            WHERE NOT EXISTS (SELECT 1 FROM events) AND NOT EXISTS (SELECT 1 FROM retention_anchors)
            """,
        ],
        // 6: every read goes through the search index (`audit-index.sqlite`, derived from the
        // canonical bytes); the event-time index no query uses any more is dropped, and the
        // nullable filter columns (actor_id … search) are no longer filled for new rows.
        [
            "DROP INDEX IF EXISTS events_time"
        ],
        // 7: Merkle rows keyed by their position in the order the log completes its subtrees
        // (`AuditMerkleNodeID.position`: each leaf, then the subtrees it completes), so an append
        // adds rows at the end of one b-tree instead of at the end of one range per level: a
        // commit of 40 events writes about half the WAL pages (`Benchmarks/wal-frames.py`). The
        // rows are copied in position order (popcount written out in SQL); rows that name no
        // node of a tree (a negative index, a level past 61) are not.
        [
            "CREATE TABLE merkle_by_position (pos INTEGER PRIMARY KEY, hash BLOB NOT NULL)",
            """
            INSERT INTO merkle_by_position (pos, hash)
            SELECT 2 * leaf + level - ((c & 255) + ((c >> 8) & 255) + ((c >> 16) & 255) + ((c >> 24) & 255)
                + ((c >> 32) & 255) + ((c >> 40) & 255) + ((c >> 48) & 255) + ((c >> 56) & 255)), hash
            FROM (SELECT leaf, level, hash, (b + (b >> 4)) & 0x0F0F0F0F0F0F0F0F AS c
                FROM (SELECT leaf, level, hash, (a & 0x3333333333333333) + ((a >> 2) & 0x3333333333333333) AS b
                    FROM (SELECT leaf, level, hash, leaf - ((leaf >> 1) & 0x5555555555555555) AS a
                        FROM (SELECT ((idx + 1) << level) - 1 AS leaf, level, hash FROM merkle_nodes
                            WHERE level BETWEEN 0 AND 61 AND idx >= 0 AND idx < (1 << (61 - level))))))
            ORDER BY 1
            """,
            "DROP TABLE merkle_nodes",
            "ALTER TABLE merkle_by_position RENAME TO merkle_nodes",
            refuseMerkleUpdates,
            refuseMerkleDeletes,
        ],
    ]

    /// Work a migration does beyond its SQL, run after it in the same transaction, by version.
    static let backfills: [Int: @Sendable (SQLiteConnection) async throws -> Void] = [
        3: backfillMerkleNodes
    ]

    /// The version a fully migrated database has.
    static var currentVersion: Int { migrations.count }

    /// Applies the missing migrations. Throws when the database is newer than this code.
    static func migrate(_ connection: SQLiteConnection, logger: Logger) async throws {
        try await connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        // One line at info when anything changed (a new store, or an upgrade); a line per step at debug.
        var startVersion: Int?
        while true {
            try await connection.execute("BEGIN IMMEDIATE")
            do {
                let rows = try await connection.query("SELECT version FROM schema_version")
                let version = rows.first?.int64("version").map(Int.init) ?? 0
                if version > currentVersion {
                    throw AuditTrailError(.storeFailure, "the database has schema version \(version); this build knows \(currentVersion)")
                }
                if version == currentVersion {
                    try await connection.execute("COMMIT")
                    if let startVersion {
                        logger.info(
                            startVersion == 0 ? "audit store created" : "audit store schema upgraded",
                            metadata: ["audit.schema.version": "\(version)", "audit.schema.from_version": "\(startVersion)"]
                        )
                    }
                    return
                }
                if startVersion == nil { startVersion = version }
                for statement in migrations[version] { try await connection.execute(statement) }
                if let backfill = backfills[version + 1] { try await backfill(connection) }
                if rows.isEmpty {
                    try await connection.execute("INSERT INTO schema_version (version) VALUES (?)", [.integer(version + 1)])
                } else {
                    try await connection.execute("UPDATE schema_version SET version = ?", [.integer(version + 1)])
                }
                try await connection.execute("COMMIT")
                logger.debug("audit store schema migrated", metadata: ["audit.schema.version": "\(version + 1)"])
            } catch {
                try? await connection.execute("ROLLBACK")
                throw storeFailure("migration", error)
            }
        }
    }
}
