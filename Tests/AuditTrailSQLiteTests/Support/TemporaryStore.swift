import AuditTrail
import AuditTrailSQLite
import Foundation
import Logging
import SQLiteNIO

/// A fresh data directory per test, removed afterwards.
struct TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/audittrail-sqlite-test-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    var databasePath: String { path + "/audit.sqlite" }

    var configuration: SQLiteAuditStore.Configuration {
        var configuration = SQLiteAuditStore.Configuration(directory: path)
        configuration.synchronous = .normal
        return configuration
    }

    func open(logger: Logger = .quiet, _ edit: (inout SQLiteAuditStore.Configuration) -> Void = { _ in }) async throws -> SQLiteAuditStore {
        var configuration = configuration
        edit(&configuration)
        return try await SQLiteAuditStore.open(configuration: configuration, logger: logger)
    }

    /// A raw SQLite connection to the store's file, as an attacker or an operator would have.
    func rawConnection() async throws -> SQLiteConnection {
        try await SQLiteConnection.open(storage: .file(path: databasePath), logger: Logger(label: "raw"))
    }
}

extension TemporaryDirectory {
    /// Turns a closed store back into what a store written before chain format v1 holds: every
    /// row's hash recomputed in format 0 from the chain start (the newest retention anchor, or
    /// the genesis hash), no `chain_format` in `log_info`, no `chain_migration` table, the Merkle
    /// tree keyed by `(level, idx)`, schema version 4.
    func downgradeToChainFormatZero() async throws {
        let raw = try await rawConnection()
        do {
            let anchor = try await raw.query("SELECT seq, hash FROM retention_anchors ORDER BY seq DESC LIMIT 1")
            var hash = anchor.first.map { AuditHash(bytes: $0.column("hash")!.blob!.readableBytesView)! } ?? AuditChain.genesis
            let start = anchor.first?.column("seq")?.integer ?? 0
            _ = try await raw.query("DROP TRIGGER events_refuse_update")
            for row in try await raw.query("SELECT seq, canonical FROM events WHERE seq > ? ORDER BY seq", [.integer(start)]) {
                hash = AuditChain.nextV0(previous: hash, canonical: Array(row.column("canonical")!.blob!.readableBytesView))
                _ = try await raw.query(
                    "UPDATE events SET hash = ? WHERE seq = ?",
                    [.blob(.init(bytes: hash.bytes)), .integer(row.column("seq")!.integer!)]
                )
            }
            for statement in [
                "CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'refused'); END",
                "DROP TRIGGER log_info_refuse_delete", "DELETE FROM log_info WHERE name = 'chain_format'",
                "CREATE TRIGGER log_info_refuse_delete BEFORE DELETE ON log_info BEGIN SELECT RAISE(ABORT, 'refused'); END",
                "DROP TABLE chain_migration", "UPDATE schema_version SET version = 4",
            ] {
                _ = try await raw.query(statement)
            }
            try await Self.keyMerkleNodesByLevel(raw)
        } catch {
            try? await raw.close()
            throw error
        }
        try await raw.close()
    }
}

extension TemporaryDirectory {
    /// Puts `merkle_nodes` back the way schema versions 3 to 6 kept it: keyed by `(level, idx)`,
    /// with the same rows and the same append-only triggers.
    static func keyMerkleNodesByLevel(_ raw: SQLiteConnection) async throws {
        let rows = try await raw.query("SELECT pos, hash FROM merkle_nodes ORDER BY pos")
        for statement in [
            "DROP TABLE merkle_nodes",
            "CREATE TABLE merkle_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID",
            "CREATE TRIGGER merkle_nodes_refuse_update BEFORE UPDATE ON merkle_nodes BEGIN SELECT RAISE(ABORT, 'refused'); END",
            "CREATE TRIGGER merkle_nodes_refuse_delete BEFORE DELETE ON merkle_nodes BEGIN SELECT RAISE(ABORT, 'refused'); END",
        ] {
            _ = try await raw.query(statement)
        }
        for row in rows {
            let id = AuditMerkleNodeID(position: Int64(row.column("pos")!.integer!))
            _ = try await raw.query(
                "INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)",
                [.integer(id.level), .integer(Int(id.index)), row.column("hash")!]
            )
        }
    }
}

/// Runs `body` with a store in a fresh directory, then closes it and removes the directory.
func withTemporaryStore(_ body: (SQLiteAuditStore, TemporaryDirectory) async throws -> Void) async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let store = try await directory.open()
    do {
        try await body(store, directory)
    } catch {
        try? await store.close()
        throw error
    }
    try await store.close()
}

extension Logger {
    /// Warnings and errors only, so test output stays readable.
    static var quiet: Logger {
        var logger = Logger(label: "audittrail.sqlite.test")
        logger.logLevel = .warning
        return logger
    }
}
