import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import Foundation
import Logging

/// `--data-dir`, shared by every command that opens the store directly.
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (default: $AUDITTRAIL_DATA_DIR or ./audittrail-data).")
    var dataDirectory: String?

    var resolved: String {
        dataDirectory ?? ProcessInfo.processInfo.environment["AUDITTRAIL_DATA_DIR"] ?? "./audittrail-data"
    }

    /// Opens the store of an existing data directory (or creates it when `create` is set).
    func openStore(create: Bool = false) async throws -> SQLiteAuditStore {
        let path = resolved
        if !create, !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("--data-dir: \(path) does not exist (start the server once, or pass the right directory)")
        }
        var logger = Logger(label: "audittrail.cli")
        logger.logLevel = .warning
        return try await SQLiteAuditStore.open(configuration: .init(directory: path), logger: logger)
    }
}

/// Runs `body` with an open store and closes it afterwards, also on error.
func withStore<T>(_ options: DataDirectoryOptions, create: Bool = false, _ body: (SQLiteAuditStore) async throws -> T) async throws -> T {
    let store = try await options.openStore(create: create)
    do {
        let result = try await body(store)
        try await store.close()
        return result
    } catch {
        try? await store.close()
        throw error
    }
}

/// Turns an `AuditTrailError` about parameters into a CLI message naming flags.
func cliMessage(_ error: AuditTrailError, flagNames: Bool = true) -> String {
    guard !error.fieldErrors.isEmpty else { return error.message }
    return error.fieldErrors.map { field in
        let name = flagNames ? "--" + field.field.replacingOccurrences(of: "_", with: "-") : field.field
        return "\(name): \(field.message)"
    }.joined(separator: "\n")
}

/// The actor of events the CLI records about an operator's changes (`keys create`, `keys revoke`):
/// the local user running it.
func operatorActor() -> AuditEvent.Actor {
    let environment = ProcessInfo.processInfo.environment
    let user = environment["USER"] ?? environment["LOGNAME"] ?? "uid-\(getuid())"
    return AuditEvent.Actor(id: "cli:" + user, name: user, type: "operator")
}

/// Appends one event about an operator's change straight to the store (in its own transaction,
/// after whatever a running server appended).
func recordOperatorEvent(_ input: AuditEventInput, in store: SQLiteAuditStore) async throws {
    _ = try await store.append([AuditEventValidator().prepare(input)])
}
