import AuditTrail
import AuditTrailPostgres
import AuditTrailSQLite
import Foundation
import Logging
import SQLiteNIO
import Synchronization

/// Where the killed server's log lives: the data directory's SQLite files, or a PostgreSQL schema.
enum CrashLog {
    case sqlite(directory: String)
    case postgres(PostgresAuditStore.Configuration, url: String)

    /// The environment that points `serve` and `verify` at a PostgreSQL log (the URL in a
    /// variable, not in the process list).
    var environment: [String: String] {
        if case .postgres(_, let url) = self { return ["AUDITTRAIL_DATABASE_URL": url] }
        return [:]
    }

    /// The arguments that point `verify` at the log (and, for PostgreSQL, at the key the server
    /// made in its data directory).
    func verifyArguments(directory: String) -> [String] {
        if case .postgres = self { return ["--signing-key", directory + "/signing.key"] }
        return ["--data-dir", directory]
    }
}

/// What `bench crash` reads while the server is down: the stored client ids (each with how often
/// it is stored), the head, the newest signed checkpoint, the retention anchor and (SQLite) the
/// index chunks merged into the index file.
struct CrashStoreCheck {
    var counts: [String: Int] = [:]
    var head: Int64 = 0
    var checkpointSize: Int64 = 0
    var removedThrough: Int64 = 0
    /// The newest chunk in the index file (-1: none).
    var mergedChunk: Int64 = -1

    /// Reads the log: SQLite straight from its files, PostgreSQL through its store.
    static func read(_ log: CrashLog) async throws -> CrashStoreCheck {
        switch log {
        case .sqlite(let directory):
            return try await read(directory)
        case .postgres(let configuration, _):
            var logger = Logger(label: "audittrail.bench.crash")
            logger.logLevel = .warning
            return try await PostgresAuditStore.withStore(configuration: configuration, logger: logger) { try await read(store: $0) }
        }
    }

    /// Reads a store through the store protocols: every stored row, a page at a time.
    static func read(store: some AuditCheckpointStore) async throws -> CrashStoreCheck {
        var check = CrashStoreCheck()
        var after = try await store.chainStart().seq
        while true {
            let rows = try await store.rows(after: after, limit: 2000)
            guard let last = rows.last else { break }
            for row in rows { check.counts[row.id, default: 0] += 1 }
            after = last.seq
        }
        check.head = try await store.head().seq
        check.checkpointSize = try await store.latestCheckpoint()?.treeSize ?? 0
        check.removedThrough = try await store.retentionAnchor()?.seq ?? 0
        return check
    }

    /// Reads `directory`; opening the file recovers its WAL, as a restarted server would.
    static func read(_ directory: String) async throws -> CrashStoreCheck {
        let files = SQLiteAuditStore.Configuration(directory: directory)
        let connection = try await SQLiteConnection.open(storage: .file(path: files.databasePath))
        do {
            let counts = Mutex<[String: Int]>([:])
            try await connection.query("SELECT id FROM events WHERE id IS NOT NULL", []) { row in
                guard let id = row.column("id")?.string else { return }
                counts.withLock { $0[id, default: 0] += 1 }
            }
            var check = CrashStoreCheck()
            check.counts = counts.withLock { $0 }
            check.head = try await integer(connection, "SELECT COALESCE(MAX(seq), 0) AS n FROM events")
            check.checkpointSize = try await integer(connection, "SELECT COALESCE(MAX(tree_size), 0) AS n FROM checkpoints")
            check.removedThrough = try await integer(connection, "SELECT COALESCE(MAX(seq), 0) AS n FROM retention_anchors")
            if FileManager.default.fileExists(atPath: files.indexPath) {
                _ = try await connection.query("ATTACH DATABASE ? AS ix", [.text(files.indexPath)])
                check.mergedChunk = try await integer(connection, "SELECT COALESCE(MAX(chunk), -1) AS n FROM ix.chunks")
            }
            try await connection.close()
            return check
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Makes the events after the retention anchor up to the newest checkpoint look received two
    /// days ago (only the row's `received_at` column, which retention reads; the canonical bytes
    /// the chain covers are untouched), so that a server with a one-day window removes them on its
    /// next retention run. Returns the ids of those events and the last seq aged.
    static func age(_ directory: String) async throws -> (ids: Set<String>, through: Int64) {
        let files = SQLiteAuditStore.Configuration(directory: directory)
        let connection = try await SQLiteConnection.open(storage: .file(path: files.databasePath))
        do {
            let from = try await integer(connection, "SELECT COALESCE(MAX(seq), 0) AS n FROM retention_anchors")
            let through = try await integer(connection, "SELECT COALESCE(MAX(tree_size), 0) AS n FROM checkpoints")
            let ids = Mutex<Set<String>>([])
            try await connection.query(
                "SELECT id FROM events WHERE seq > ? AND seq <= ? AND id IS NOT NULL",
                [.integer(Int(from)), .integer(Int(through))]
            ) {
                row in
                if let id = row.column("id")?.string { ids.withLock { _ = $0.insert(id) } }
            }
            _ = try await connection.query("BEGIN IMMEDIATE", [])
            _ = try await connection.query("DROP TRIGGER events_refuse_update", [])
            _ = try await connection.query(
                "UPDATE events SET received_at = received_at - 172800000 WHERE seq > ? AND seq <= ?",
                [.integer(Int(from)), .integer(Int(through))]
            )
            _ = try await connection.query(
                "CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE is refused'); END",
                []
            )
            _ = try await connection.query("COMMIT", [])
            try await connection.close()
            return (ids.withLock { $0 }, through)
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private static func integer(_ connection: SQLiteConnection, _ sql: String) async throws -> Int64 {
        let rows = try await connection.query(sql)
        return Int64(rows.first?.column("n")?.integer ?? 0)
    }
}
