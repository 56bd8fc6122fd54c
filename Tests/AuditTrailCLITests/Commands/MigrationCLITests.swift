import AuditTrail
import Foundation
import SQLiteNIO
import Testing

@testable import audittrail

/// A data directory written before chain format v1 (`Tests/AuditTrailSQLiteTests/Fixtures/format0`,
/// made by the format-0 release server), met by the CLI as a user would: `verify` migrates and
/// verifies it; a tampered one is refused, naming the seq, and left as it was.
@Suite("audittrail on a data directory of chain format 0", .serialized)
struct MigrationCLITests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("AuditTrailSQLiteTests/Fixtures/format0").path

    func copyOfTheFixture() throws -> String {
        let directory = temporaryDataDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in ["audit.sqlite", "audit-index.sqlite", "signing.key"] {
            try FileManager.default.copyItem(atPath: Self.fixture + "/" + name, toPath: directory + "/" + name)
        }
        // Git keeps no file modes; the store refuses a signing key others may read.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory + "/signing.key")
        return directory
    }

    @Test func verifyMigratesAndVerifiesAnOldDataDirectory() async throws {
        let directory = try copyOfTheFixture()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let verified = try await runCLI(["verify", "--data-dir", directory, "--no-state"])
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.contains("OK: 22 events verified"), "\(verified.output)")
        #expect(verified.output.contains("5 checkpoints verified"), "\(verified.output)")
        // A rate over 22 events would measure start-up: only the time is printed.
        #expect(verified.output.contains("(in ") && !verified.output.contains("events/s"), "\(verified.output)")
        let recorded = try await runCLI(["query", "--data-dir", directory, "--action", "audit.store.migrated", "--format", "json"])
        #expect(recorded.status == 0, "\(recorded.output)")
        #expect(recorded.output.contains(#""events_rechained":21"#), "\(recorded.output)")
    }

    @Test func aTamperedOldDataDirectoryIsRefusedNamingTheSeq() async throws {
        let directory = try copyOfTheFixture()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let connection = try await SQLiteConnection.open(storage: .file(path: directory + "/audit.sqlite"))
        for statement in [
            "DROP TRIGGER events_refuse_update",
            "UPDATE events SET canonical = CAST(replace(CAST(canonical AS TEXT), 'doc-6', 'doc-X') AS BLOB) WHERE seq = 7",
        ] {
            _ = try await connection.query(statement)
        }
        try await connection.close()
        let before = try await state(of: directory)
        let refused = try await runCLI(["verify", "--data-dir", directory, "--no-state"])
        #expect(refused.status != 0)
        #expect(refused.output.contains("at seq 7") && refused.output.contains("not migrated"), "\(refused.output)")
        #expect(try await state(of: directory) == before, "nothing re-chained, the schema unchanged")
    }

    /// The schema version and every stored chain hash, hex.
    func state(of directory: String) async throws -> [String] {
        let connection = try await SQLiteConnection.open(storage: .file(path: directory + "/audit.sqlite"))
        var state = try await connection.query("SELECT version FROM schema_version").map { "\($0.column("version")?.integer ?? -1)" }
        state += try await connection.query("SELECT hash FROM events ORDER BY seq").map {
            AuditHex.string($0.column("hash")?.blob.map { Array($0.readableBytesView) } ?? [])
        }
        try await connection.close()
        return state
    }

    @Test func verifyPrintsARateOnlyForLongRuns() {
        #expect(VerifyCommand.took(0.0123, events: 22) == "in 12 ms")
        #expect(VerifyCommand.took(3.5, events: 50) == "in 3.50 s")
        #expect(VerifyCommand.took(2, events: 1_000_000) == "in 2.00 s, 500000 events/s")
    }
}
