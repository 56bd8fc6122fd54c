import ArgumentParser
import AuditTrail
import AuditTrailPostgres
import AuditTrailSQLite
import AuditTrailServer
import Foundation
import Logging

/// `--data-dir` and `--database-url`, shared by every command that opens the store directly.
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (default: $AUDITTRAIL_DATA_DIR or ./audittrail-data).")
    var dataDirectory: String?

    @OptionGroup var database: DatabaseURLOption

    /// `--data-dir`, else `AUDITTRAIL_DATA_DIR` by serve's rule for it, else serve's default.
    func resolved() throws -> String {
        if let dataDirectory { return dataDirectory }
        return try environmentSetting(.dataDirectory).dataDirectory
    }

    /// Opens the store of an existing data directory (or creates it when `create` is set).
    func openStore(create: Bool = false) async throws -> SQLiteAuditStore {
        let path = try resolved()
        if !create, !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("--data-dir: \(path) does not exist (start the server once, or pass the right directory)")
        }
        return try await SQLiteAuditStore.open(configuration: .init(directory: path), logger: cliLogger())
    }
}

/// `--database-url`, shared by every command that can work on a PostgreSQL log.
struct DatabaseURLOption: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "The PostgreSQL log to use instead of the data directory's SQLite (default: $AUDITTRAIL_DATABASE_URL; prefer the variable, a flag's password shows in the process list).",
            valueName: "url"
        )
    )
    var url: String?

    /// The URL itself (`--database-url`, else `AUDITTRAIL_DATABASE_URL`), for the benches that
    /// hand it to child processes with their own schema.
    func requiredURL() throws -> String {
        guard let url = url ?? ProcessInfo.processInfo.environment["AUDITTRAIL_DATABASE_URL"] else {
            throw ValidationError("--database-url: missing")
        }
        return url
    }

    /// `--database-url`, else `AUDITTRAIL_DATABASE_URL` by serve's rule for it; nil when neither
    /// is given (SQLite).
    func configuration() throws -> PostgresAuditStore.Configuration? {
        guard let url else { return try environmentSetting(.databaseURL).database }
        do {
            return try PostgresAuditStore.Configuration(url: url)
        } catch {
            throw ValidationError("--database-url: " + (error.fieldErrors.first?.message ?? error.message))
        }
    }
}

/// The logger of the commands that open a store: warnings and errors only.
func cliLogger() -> Logger {
    var logger = Logger(label: "audittrail.cli")
    logger.logLevel = .warning
    return logger
}

/// Runs `body` with the open store — PostgreSQL when `--database-url` (or
/// `AUDITTRAIL_DATABASE_URL`) is given, else the data directory's SQLite (created when `create` is
/// set) — and closes it afterwards, also on error.
func withStore<T>(_ options: DataDirectoryOptions, create: Bool = false, _ body: (any AuditLogStore) async throws -> T) async throws -> T {
    if let database = try options.database.configuration() {
        return try await PostgresAuditStore.withStore(configuration: database, logger: cliLogger()) { try await body($0) }
    }
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
    let user = operatorName()
    return AuditEvent.Actor(id: "cli:" + user, name: user, type: "operator")
}

/// The operator's login name (`$USER`, `$LOGNAME`, else `uid-N`).
func operatorName() -> String {
    let environment = ProcessInfo.processInfo.environment
    return environment["USER"] ?? environment["LOGNAME"] ?? "uid-\(getuid())"
}

/// What the CLI's own records say wrote them: `cli:<user>`.
func operatorProducer() -> AuditProducer { .cli(user: operatorName()) }

/// Appends one event about an operator's change straight to the store (in its own transaction,
/// after whatever a running server appended).
func recordOperatorEvent(_ input: AuditEventInput, in store: any AuditStore) async throws {
    _ = try await store.append([AuditEventValidator().prepare(input, producer: operatorProducer())])
}

/// A default server configuration with one of serve's settings read from the environment by its
/// rule (``AuditServerSetting/read(from:)``), a bad value being an error naming the variable.
func environmentSetting(_ setting: AuditServerSetting) throws -> AuditServerConfiguration {
    do {
        return try setting.read(from: ProcessInfo.processInfo.environment)
    } catch {
        throw ValidationError(cliMessage(error, flagNames: false))
    }
}

/// The signing key file: `--signing-key`, else `$AUDITTRAIL_SIGNING_KEY_FILE`, else `signing.key`
/// in the data directory (where the server creates it).
func signingKeyPath(_ option: String?, _ data: DataDirectoryOptions) throws -> String {
    if let option { return option }
    var configuration = try environmentSetting(.signingKey)
    configuration.dataDirectory = try data.resolved()
    return configuration.resolvedSigningKeyFile
}
