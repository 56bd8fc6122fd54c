import AuditTrail
import Logging
import NIOCore
import PostgresNIO

/// The log's tables in their own schema, as an ordered list of migrations; `schema_version`
/// holds the number applied. Each migration runs in one transaction holding an advisory lock, so
/// that several instances opening a new database at once agree.
///
/// What the database itself enforces, whatever the application does with its connection:
/// - `events`, `merkle_nodes`, `checkpoints`, `retention_anchors` and `log_info` are append-only:
///   triggers refuse `UPDATE`, `TRUNCATE` and `DELETE` — on `events`, `DELETE` of rows above the
///   newest retention anchor, and on every partition too;
/// - a retention anchor must name a stored event (seq, hash, receipt time) after the previous one;
/// - partitions are created and dropped only by two `SECURITY DEFINER` functions owned by the
///   owner role: the application role, which has no `UPDATE`, `DELETE` or `TRUNCATE` privilege on
///   any of these tables, can only ask for the next months' partitions and for the removal of
///   partitions that lie wholly at or below the newest anchor.
enum PostgresSchema {
    /// Whether `name` is safe to splice into SQL as an identifier: lower-case a-z, digits and `_`,
    /// not starting with a digit, at most 63 bytes (PostgreSQL's limit).
    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first), name.utf8.count <= 63 else {
            return false
        }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_")
        }
    }

    /// The advisory lock key of migrations (any constant; "audittrail" in ASCII, truncated).
    static let migrationLock: Int64 = 0x6175_6469_7474_7261

    /// The tables that only ever grow: each gets the triggers that refuse changes.
    static let appendOnlyTables = ["merkle_nodes", "checkpoints", "retention_anchors", "log_info"]

    /// Migration `n` (1-based) is `migrations[n - 1]`, for the schema `s`; never edit one that
    /// has shipped, add one.
    static func migrations(_ s: String) -> [[String]] {
        [
            [
                "CREATE TABLE \(s).log_info (name text PRIMARY KEY, value text NOT NULL)",
                // The chain head: one row, locked FOR UPDATE by every append (one log, many writers).
                """
                CREATE TABLE \(s).chain_head (
                    id smallint PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash bytea NOT NULL, received_at bigint NOT NULL
                )
                """,
                """
                CREATE TABLE \(s).events (
                    seq bigint NOT NULL,
                    received_at bigint NOT NULL,
                    id text NOT NULL,
                    time bigint NOT NULL,
                    action text NOT NULL,
                    category text NOT NULL,
                    severity smallint NOT NULL,
                    outcome smallint NOT NULL,
                    canonical bytea NOT NULL,
                    hash bytea NOT NULL
                ) PARTITION BY RANGE (received_at)
                """,
                "CREATE INDEX events_seq ON \(s).events (seq)",
                "CREATE INDEX events_received_at ON \(s).events USING brin (received_at)",
                // Ids are unique across the log (a client id is idempotent): one table, not per partition.
                "CREATE TABLE \(s).event_ids (id text PRIMARY KEY, seq bigint NOT NULL)",
                "CREATE INDEX event_ids_seq ON \(s).event_ids (seq)",
                "CREATE TABLE \(s).action_counts (action text COLLATE \"C\" PRIMARY KEY, count bigint NOT NULL)",
                """
                CREATE TABLE \(s).merkle_nodes (
                    level smallint NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx)
                )
                """,
                """
                CREATE TABLE \(s).checkpoints (
                    tree_size bigint PRIMARY KEY, root_hash bytea NOT NULL, time bigint NOT NULL, note text NOT NULL
                )
                """,
                """
                CREATE TABLE \(s).retention_anchors (
                    seq bigint PRIMARY KEY, hash bytea NOT NULL, received_at bigint NOT NULL,
                    subtree_hashes bytea NOT NULL, removed_at bigint NOT NULL
                )
                """,
                "CREATE TABLE \(s).settings (name text PRIMARY KEY, value text NOT NULL)",
                """
                CREATE TABLE \(s).api_keys (
                    id text PRIMARY KEY, name text NOT NULL, role text NOT NULL, subject text,
                    created_at bigint NOT NULL, revoked_at bigint, secret_hash text NOT NULL UNIQUE
                )
                """,
                "CREATE TABLE \(s).leases (name text PRIMARY KEY, holder text NOT NULL, expires_at bigint NOT NULL)",
                // The search index: the same chunks, sets and rollups as the SQLite store's index file.
                """
                CREATE TABLE \(s).index_chunks (
                    chunk bigint PRIMARY KEY, first_seq bigint NOT NULL, last_seq bigint NOT NULL, events integer NOT NULL,
                    min_time bigint, max_time bigint, present bytea NOT NULL, times bytea NOT NULL, rollup bytea NOT NULL
                )
                """,
                """
                CREATE TABLE \(s).index_sets (
                    chunk bigint NOT NULL, kind smallint NOT NULL, key text COLLATE "C" NOT NULL, events bytea NOT NULL,
                    PRIMARY KEY (chunk, kind, key)
                )
                """,
                "CREATE TABLE \(s).index_spans (span bigint PRIMARY KEY, rollup bytea NOT NULL)",
                // Refusals.
                """
                CREATE FUNCTION \(s).refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'audit table %: % is refused (append-only)', TG_TABLE_NAME, TG_OP
                        USING ERRCODE = 'insufficient_privilege';
                END $$
                """,
                """
                CREATE FUNCTION \(s).refuse_event_delete() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF OLD.seq > (SELECT coalesce(max(seq), 0) FROM \(s).retention_anchors) THEN
                        RAISE EXCEPTION 'audit events are append-only: DELETE is refused outside retention (record an anchor first)'
                            USING ERRCODE = 'insufficient_privilege';
                    END IF;
                    RETURN OLD;
                END $$
                """,
                "CREATE TRIGGER events_refuse_update BEFORE UPDATE ON \(s).events FOR EACH ROW EXECUTE FUNCTION \(s).refuse_change()",
                "CREATE TRIGGER events_refuse_delete BEFORE DELETE ON \(s).events FOR EACH ROW EXECUTE FUNCTION \(s).refuse_event_delete()",
                "CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON \(s).events FOR EACH STATEMENT EXECUTE FUNCTION \(s).refuse_change()",
                """
                CREATE FUNCTION \(s).check_anchor() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.seq <= (SELECT coalesce(max(seq), 0) FROM \(s).retention_anchors)
                        OR NOT EXISTS (SELECT 1 FROM \(s).events WHERE seq = NEW.seq AND hash = NEW.hash AND received_at = NEW.received_at)
                        OR length(NEW.subtree_hashes) % 32 <> 0 THEN
                        RAISE EXCEPTION 'a retention anchor must name a stored event after the newest anchor'
                            USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NEW;
                END $$
                """,
                "CREATE TRIGGER retention_anchors_check BEFORE INSERT ON \(s).retention_anchors FOR EACH ROW EXECUTE FUNCTION \(s).check_anchor()",
            ]
                + appendOnlyTables.flatMap { table in
                    [
                        "CREATE TRIGGER \(table)_refuse_change BEFORE UPDATE OR DELETE ON \(s).\(table) FOR EACH ROW EXECUTE FUNCTION \(s).refuse_change()",
                        "CREATE TRIGGER \(table)_refuse_truncate BEFORE TRUNCATE ON \(s).\(table) FOR EACH STATEMENT EXECUTE FUNCTION \(s).refuse_change()",
                    ]
                } + partitionFunctions(s)
        ]
    }

    /// The functions that create and drop partitions and delete anchored rows, run with the owner's rights
    /// (`SECURITY DEFINER`, a fixed `search_path`), so that the application role needs no DDL.
    ///
    /// `ensure_partitions(until)`: the monthly partitions (`events_YYYY_MM`, UTC months of
    /// `received_at`) from the current month through the one holding `until` (ms), each with the
    /// TRUNCATE refusal (a statement trigger on the parent does not cover its partitions).
    ///
    /// `drop_removed_partitions()`: drops the oldest partitions whose every row is at or below the
    /// newest retention anchor (and not the newest row); returns how many.
    ///
    /// `delete_removed_events(after)`: deletes the rows after `after` up to the newest anchor (the
    /// one `DELETE` path, as the trigger allows it); returns how many.
    static func partitionFunctions(_ s: String) -> [String] {
        [
            """
            CREATE FUNCTION \(s).ensure_partitions(until_ms bigint) RETURNS integer
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            DECLARE
                month timestamptz := date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
                last_month timestamptz := date_trunc('month', to_timestamp(until_ms / 1000.0) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
                name text;
                made integer := 0;
            BEGIN
                IF until_ms > (extract(epoch FROM now()) * 1000)::bigint + 366 * 86400000::bigint THEN
                    RAISE EXCEPTION 'partitions are made at most a year ahead' USING ERRCODE = 'invalid_parameter_value';
                END IF;
                WHILE month <= last_month LOOP
                    name := 'events_' || to_char(month AT TIME ZONE 'UTC', 'YYYY_MM');
                    IF to_regclass(format('%I.%I', '\(s)', name)) IS NULL THEN
                        EXECUTE format(
                            'CREATE TABLE %I.%I PARTITION OF %I.events FOR VALUES FROM (%s) TO (%s)',
                            '\(s)', name, '\(s)',
                            (extract(epoch FROM month) * 1000)::bigint,
                            (extract(epoch FROM month + interval '1 month') * 1000)::bigint
                        );
                        EXECUTE format(
                            'CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON %I.%I FOR EACH STATEMENT EXECUTE FUNCTION %I.refuse_change()',
                            '\(s)', name, '\(s)'
                        );
                        made := made + 1;
                    END IF;
                    month := month + interval '1 month';
                END LOOP;
                RETURN made;
            END $$
            """,
            """
            CREATE FUNCTION \(s).drop_removed_partitions() RETURNS integer
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            DECLARE
                anchor bigint;
                anchor_received bigint;
                head bigint := (SELECT seq FROM \(s).chain_head WHERE id = 1);
                part record;
                last_seq bigint;
                month_end bigint;
                dropped integer := 0;
            BEGIN
                SELECT seq, received_at INTO anchor, anchor_received FROM \(s).retention_anchors ORDER BY seq DESC LIMIT 1;
                IF anchor IS NULL THEN
                    RETURN 0;
                END IF;
                FOR part IN
                    SELECT c.relname AS name
                    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
                    JOIN pg_namespace n ON n.oid = p.relnamespace
                    WHERE n.nspname = '\(s)' AND p.relname = 'events'
                    ORDER BY c.relname
                LOOP
                    EXECUTE format('SELECT max(seq) FROM %I.%I', '\(s)', part.name) INTO last_seq;
                    month_end := (extract(epoch FROM (to_timestamp(substr(part.name, 8), 'YYYY_MM') AT TIME ZONE 'UTC'
                        + interval '1 month') AT TIME ZONE 'UTC') * 1000)::bigint;
                    -- Receipt times never go back in seq order: an empty month before the anchor's
                    -- receipt held only removed rows; a month with rows goes when all are removed.
                    EXIT WHEN (last_seq IS NULL AND month_end > anchor_received) OR last_seq > anchor OR last_seq >= head;
                    EXECUTE format('ALTER TABLE %I.events DETACH PARTITION %I.%I', '\(s)', '\(s)', part.name);
                    EXECUTE format('DROP TABLE %I.%I', '\(s)', part.name);
                    DELETE FROM \(s).event_ids WHERE seq <= coalesce(last_seq, 0);
                    dropped := dropped + 1;
                END LOOP;
                RETURN dropped;
            END $$
            """,
            """
            CREATE FUNCTION \(s).delete_removed_events(after_seq bigint) RETURNS bigint
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            DECLARE
                anchor bigint;
                anchor_received bigint;
                removed bigint;
            BEGIN
                SELECT seq, received_at INTO anchor, anchor_received FROM \(s).retention_anchors ORDER BY seq DESC LIMIT 1;
                IF anchor IS NULL THEN
                    RETURN 0;
                END IF;
                DELETE FROM \(s).events WHERE seq > after_seq AND seq <= anchor AND received_at <= anchor_received;
                GET DIAGNOSTICS removed = ROW_COUNT;
                DELETE FROM \(s).event_ids WHERE seq > after_seq AND seq <= anchor;
                RETURN removed;
            END $$
            """,
            "REVOKE ALL ON FUNCTION \(s).ensure_partitions(bigint) FROM PUBLIC",
            "REVOKE ALL ON FUNCTION \(s).drop_removed_partitions() FROM PUBLIC",
            "REVOKE ALL ON FUNCTION \(s).delete_removed_events(bigint) FROM PUBLIC",
        ]
    }

    /// What the application role may do: read everything; insert into the log's tables; update
    /// only the chain head, the counters, the keys' revocation, the settings, the leases and the
    /// derived search index; delete only derived index rows and expired leases; call the two
    /// partition functions. Never `UPDATE`, `DELETE` or `TRUNCATE` on the events, the Merkle
    /// tree, the checkpoints, the anchors or the log's identity.
    static func grants(_ s: String, to role: String) -> [String] {
        [
            "GRANT USAGE ON SCHEMA \(s) TO \(role)",
            "GRANT SELECT ON ALL TABLES IN SCHEMA \(s) TO \(role)",
            "GRANT INSERT ON \(s).events, \(s).event_ids, \(s).merkle_nodes, \(s).checkpoints, \(s).retention_anchors TO \(role)",
            "GRANT INSERT, UPDATE ON \(s).chain_head, \(s).action_counts, \(s).api_keys, \(s).settings, \(s).leases TO \(role)",
            "GRANT DELETE ON \(s).leases, \(s).action_counts TO \(role)",
            "GRANT INSERT, UPDATE, DELETE ON \(s).index_chunks, \(s).index_sets, \(s).index_spans TO \(role)",
            "GRANT EXECUTE ON FUNCTION \(s).ensure_partitions(bigint), \(s).drop_removed_partitions(), \(s).delete_removed_events(bigint) TO \(role)",
        ]
    }
}

extension PostgresSchema {
    /// The version a fully migrated schema has.
    static var currentVersion: Int { migrations("s").count }

    /// Creates the schema when missing and applies the missing migrations, each in one
    /// transaction under ``migrationLock``; the first also records the log's identity and the
    /// empty chain head. Throws when the schema is newer than this build.
    static func migrate(_ client: PostgresClient, schema s: String, logger: Logger) async throws {
        var startVersion: Int?
        while true {
            let applied = try await client.withConnection { connection -> Int? in
                try await connection.checkedQuery("BEGIN", logger: logger)
                do {
                    try await connection.checkedQuery("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
                    try await connection.checkedQuery("CREATE SCHEMA IF NOT EXISTS \(unescaped: s)", logger: logger)
                    try await connection.checkedQuery(
                        "CREATE TABLE IF NOT EXISTS \(unescaped: s).schema_version (version integer NOT NULL)",
                        logger: logger
                    )
                    var version = 0
                    for try await value in try await connection.checkedQuery("SELECT version FROM \(unescaped: s).schema_version", logger: logger)
                        .decode(Int.self)
                    {
                        version = value
                    }
                    if version > currentVersion {
                        throw AuditTrailError(.storeFailure, "the PostgreSQL schema \(s) has version \(version); this build knows \(currentVersion)")
                    }
                    if version == currentVersion {
                        try await connection.checkedQuery("COMMIT", logger: logger)
                        return nil
                    }
                    for statement in migrations(s)[version] {
                        try await connection.checkedQuery(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    if version == 0 {
                        var random = SystemRandomNumberGenerator()
                        let logID = AuditHex.string((0..<16).map { _ in UInt8.random(in: 0...255, using: &random) })
                        let genesis = ByteBuffer(bytes: AuditChain.genesis.bytes)
                        try await connection.checkedQuery(
                            "INSERT INTO \(unescaped: s).log_info (name, value) VALUES ('log_id', \(logID)), ('chain_format', '1')",
                            logger: logger
                        )
                        try await connection.checkedQuery(
                            "INSERT INTO \(unescaped: s).chain_head (id, seq, hash, received_at) VALUES (1, 0, \(genesis), 0)",
                            logger: logger
                        )
                        try await connection.checkedQuery("INSERT INTO \(unescaped: s).schema_version (version) VALUES (1)", logger: logger)
                    } else {
                        try await connection.checkedQuery("UPDATE \(unescaped: s).schema_version SET version = \(version + 1)", logger: logger)
                    }
                    try await connection.checkedQuery("COMMIT", logger: logger)
                    return version
                } catch {
                    _ = try? await connection.checkedQuery("ROLLBACK", logger: logger)
                    throw error
                }
            }
            guard let applied else {
                if let startVersion {
                    logger.info(
                        startVersion == 0 ? "audit store created" : "audit store schema upgraded",
                        metadata: [
                            "audit.schema.version": "\(currentVersion)", "audit.schema.from_version": "\(startVersion)",
                            "audit.postgres.schema": "\(s)",
                        ]
                    )
                }
                return
            }
            if startVersion == nil { startVersion = applied }
        }
    }

    /// The schema's version; nil when the schema (or its version table) does not exist.
    static func storedVersion(_ client: PostgresClient, schema s: String) async throws -> Int? {
        let exists = try await client.query("SELECT to_regclass(\(s + ".schema_version")) IS NOT NULL").decode(Bool.self)
        for try await found in exists where !found { return nil }
        var version = 0
        for try await value in try await client.query("SELECT version FROM \(unescaped: s).schema_version").decode(Int.self) { version = value }
        return version
    }

    /// Throws unless the schema exists at this build's version (a store opened without migrating).
    static func requireCurrent(_ client: PostgresClient, schema s: String) async throws {
        guard let version = try await storedVersion(client, schema: s) else {
            throw AuditTrailError(.storeFailure, "the PostgreSQL schema \(s) is missing: run `audittrail migrate` as the owner role first")
        }
        guard version == currentVersion else {
            throw AuditTrailError(
                .storeFailure,
                "the PostgreSQL schema \(s) has version \(version); this build needs \(currentVersion): run `audittrail migrate` as the owner role"
            )
        }
    }
}
