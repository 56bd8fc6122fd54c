import AuditTrail
import AuditTrailSQLite
import Foundation
import SQLiteNIO
import Testing

@testable import audittrail

/// `audittrail retention` with the real binary on a data directory written by the real server:
/// show, set (validated, recorded), run — and `verify` with its kept state still passes after the
/// prefix is gone, while a deletion outside retention is still refused by the database.
@Suite("audittrail retention, end to end", .serialized)
struct RetentionCLITests {
    let corpus = TamperCorpusTests()

    /// The CLI's other commands read serve's shared settings (data directory, signing key file,
    /// initial retention window) from the environment by serve's own rules.
    @Test(arguments: [
        (["keys", "list"], ["AUDITTRAIL_DATA_DIR": "a\u{7}b"], "AUDITTRAIL_DATA_DIR: must be"),
        (["keys", "public"], ["AUDITTRAIL_SIGNING_KEY_FILE": "k\u{1}"], "AUDITTRAIL_SIGNING_KEY_FILE: must be"),
        (["retention", "show"], ["AUDITTRAIL_RETENTION_DAYS": "36501"], "AUDITTRAIL_RETENTION_DAYS: must be"),
    ])
    func sharedSettingsFromTheEnvironmentFollowServesRules(arguments: [String], environment: [String: String], expected: String) async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var environment = environment
        if environment["AUDITTRAIL_DATA_DIR"] == nil { environment["AUDITTRAIL_DATA_DIR"] = directory }
        let result = try await runCLI(arguments, environment: environment)
        #expect(result.status != 0)
        #expect(result.output.contains(expected), "\(arguments): \(result.output)")
    }

    @Test func showSetAndRunKeepTheLogVerifiable() async throws {
        let directory = temporaryDataDirectory()
        let state = directory + ".verify-state.json"
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: state)
        }
        try await corpus.populate(directory)
        let before = try await runCLI(["verify", "--data-dir", directory, "--state", state, "--json"])
        #expect(before.status == 0, "\(before.output)")

        let help = try await runCLI(["retention", "--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("show") && help.output.contains("set") && help.output.contains("run"), "\(help.output)")

        let shown = try await runCLI(["retention", "show", "--json", "--data-dir", directory])
        #expect(shown.status == 0, "\(shown.output)")
        #expect(
            shown.output.contains(#"{"days":90,"stored":true,"removed_through_seq":0,"first_seq":1,"last_removed_at":null,"head_seq":20}"#),
            "\(shown.output)"
        )

        for bad in ["1.5", "36501", "never"] {
            let refused = try await runCLI(["retention", "set", bad, "--data-dir", directory])
            #expect(refused.status != 0)
            #expect(refused.output.contains("days: must be an integer from 1 to 36500"), "\(refused.output)")
        }
        #expect(try await runCLI(["retention", "set", "off", "--data-dir", directory]).status == 0)
        #expect(try await runCLI(["retention", "show", "--json", "--data-dir", directory]).output.contains(#""days":null"#))
        let nothing = try await runCLI(["retention", "run", "--data-dir", directory])
        #expect(nothing.output.contains("Retention is off"), "\(nothing.output)")
        let set = try await runCLI(["retention", "set", "1", "--data-dir", directory])
        #expect(set.status == 0, "\(set.output)")
        #expect(set.output.contains("Retention set to 1 day."), "\(set.output)")

        // Events 1…12 were received two days ago (only the index column is moved; the canonical
        // bytes the chain covers are not touched).
        try await corpus.run(
            directory,
            [
                "DROP TRIGGER events_refuse_update",
                "UPDATE events SET received_at = received_at - 172800000 WHERE seq <= 12",
                "CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'refused'); END",
            ]
        )
        let run = try await runCLI(["retention", "run", "--data-dir", directory])
        #expect(run.status == 0, "\(run.output)")
        #expect(
            run.output.contains("Removed 12 events in 1 batch (window 1 day); oldest remaining seq 13; recorded as event seq 23"),
            "\(run.output)"
        )
        let after = try await runCLI(["retention", "show", "--json", "--data-dir", directory])
        #expect(after.output.contains(#""days":1,"stored":true,"removed_through_seq":12,"first_seq":13"#), "\(after.output)")

        let verified = try await runCLI(["verify", "--data-dir", directory, "--state", state, "--json"])
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.contains(#""ok":true"#) && verified.output.contains(#""checked":11"#), "\(verified.output)")
        #expect(verified.output.contains(#""checkpoints_checked":2,"checkpoints_covered_by_anchor":2,"first_seq":13"#), "\(verified.output)")
        let text = try await runCLI(["verify", "--data-dir", directory, "--no-state"])
        #expect(text.output.contains("Events 1…12 were removed by retention"), "\(text.output)")

        await #expect(throws: (any Error).self) { try await corpus.run(directory, ["DELETE FROM events WHERE seq = 15"]) }
        let still = try await runCLI(["verify", "--data-dir", directory, "--state", state, "--json"])
        #expect(still.status == 0, "\(still.output)")
    }
}
