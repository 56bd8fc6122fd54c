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
