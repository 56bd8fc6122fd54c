import ArgumentParser
import AuditTrail
import AuditTrailPostgres
import Foundation

/// `audittrail migrate`: creates or upgrades a PostgreSQL log's schema as the owner role, and
/// grants the application role what serving needs.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade a PostgreSQL log's schema (as the owner role) and grant the application role.",
        discussion: """
            Run it once as the owner role before servers connect as the application role, and again after an \
            upgrade of audittrail: migrations run under an advisory lock, so servers starting at the same time \
            agree. The application role gets INSERT and SELECT on the log, no UPDATE, DELETE or TRUNCATE on \
            events, Merkle nodes, checkpoints or anchors (see the README's PostgreSQL section).

              audittrail migrate --database-url postgres://audittrail_owner@db/audittrail --grant audittrail_app
            """
    )

    @OptionGroup var database: DatabaseURLOption

    @Option(help: ArgumentHelp("The application role to grant what serving needs.", valueName: "role"))
    var grant: String?

    func validate() throws {
        if let grant, !Self.isRoleName(grant) {
            throw ValidationError("--grant: must be a lower-case identifier (a-z, 0-9, _; not starting with a digit), at most 63 characters")
        }
    }

    static func isRoleName(_ text: String) -> Bool {
        guard let first = text.utf8.first, !(48...57).contains(first), (1...63).contains(text.utf8.count) else { return false }
        return text.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == UInt8(ascii: "_") }
    }

    func run() async throws {
        guard var postgres = try database.configuration() else {
            throw ValidationError("--database-url: required (or AUDITTRAIL_DATABASE_URL): migrate works on a PostgreSQL log")
        }
        postgres.migrate = true
        try await PostgresAuditStore.withStore(configuration: postgres, logger: cliLogger()) { store in
            if let grant { try await store.grant(to: grant) }
            print("schema \(store.schemaName) is current (log \(try await store.logID()))" + (grant.map { "; granted \($0)" } ?? ""))
        }
    }
}
