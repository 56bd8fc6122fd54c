import AuditTrail
import AuditTrailClient
import AuditTrailSQLite
import Foundation
import Logging
import Testing

@testable import audittrail

/// `audittrail export` against the real server binary, and `audittrail verify --export` offline.
@Suite("audittrail export and verify --export", .serialized)
struct ExportCLITests {
    /// A real server on `directory` holding 30 events (`metadata.i` 0…29, actors u-0…u-2).
    func serverWithThirtyEvents(_ directory: String, key: String) async throws -> ServerProcess {
        let server = try ServerProcess(dataDirectory: directory, environment: ["AUDITTRAIL_ADMIN_KEY": key])
        try await server.waitUntilHealthy()
        let events = (0..<30).map { #"{"action":"data.update","actor":{"id":"u-\#($0 % 3)"},"metadata":{"i":\#($0)}}"# }
        #expect(try await server.request("POST", "/v1/events/batch", key: key, json: "[" + events.joined(separator: ",") + "]").status == 201)
        return server
    }

    @Test func anExportVerifiesOfflineAndAnEditedFileFailsNamingTheSeq() async throws {
        let directory = temporaryDataDirectory()
        let file = directory + ".export.jsonl"
        defer {
            for path in [directory, file, file + ".partial"] { try? FileManager.default.removeItem(atPath: path) }
        }
        let key = "k-" + UUID().uuidString
        let server = try await serverWithThirtyEvents(directory, key: key)
        let address = "http://127.0.0.1:\(server.port)"

        let exported = try await runCLI(["export", "--server", address, "--api-key", key, "--output", file])
        #expect(exported.status == 0, "\(exported.output)")
        #expect(!FileManager.default.fileExists(atPath: file + ".partial"))
        let printed = try await runCLI(["keys", "public", "--data-dir", directory])
        #expect(printed.status == 0, "\(printed.output)")
        let publicKey = try #require(printed.output.split(separator: "\n").last.map(String.init))

        let verified = try await runCLI(["verify", "--export", file, "--public-key", publicKey])
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.contains("OK: 30 events"), "\(verified.output)")

        // One field of seq 7 changed in the file: verify names seq 7, in both output forms.
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains(#""i":6}"#))
        try text.replacingOccurrences(of: #""i":6}"#, with: #""i":66}"#).write(toFile: file, atomically: true, encoding: .utf8)
        let failed = try await runCLI(["verify", "--export", file, "--public-key", publicKey])
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.output.contains("FAILED at seq 7: edited"), "\(failed.output)")
        let json = try await runCLI(["verify", "--export", file, "--public-key", publicKey, "--json"])
        #expect(json.status == 1)
        let result = try #require(json.output.split(separator: "\n").first { $0.hasPrefix("{") })
        let object = try JSONParser.parse(String(result))
        #expect(object["ok"] == .bool(false) && object["first_bad_seq"] == .int(7) && object["kind"] == .string("edited"), "\(json.output)")

        // A filtered export to standard output, with the query's filter flags.
        let filtered = try await runCLI(["export", "--server", address, "--api-key", key, "--actor", "u-1", "--action", "data.*"])
        #expect(filtered.status == 0, "\(filtered.output)")
        try filtered.output.write(toFile: file, atomically: true, encoding: .utf8)
        let filteredVerified = try await runCLI(["verify", "--export", file, "--public-key", publicKey])
        #expect(filteredVerified.status == 0, "\(filteredVerified.output)")
        #expect(filteredVerified.output.contains("OK: 10 events"), "\(filteredVerified.output)")

        // A bad filter is refused, naming the flag.
        let refused = try await runCLI(["export", "--server", address, "--api-key", key, "--resource-id", "x", "--since", "2026-13-01"])
        #expect(refused.status != 0 && refused.output.contains("--since"), "\(refused.output)")
        await server.stop(signal: SIGTERM)
    }

    @Test func anExportFromADataDirectoryVerifiesOfflineAndIsRecorded() async throws {
        let directory = temporaryDataDirectory()
        let file = directory + ".export.jsonl"
        defer {
            for path in [directory, file, file + ".partial"] { try? FileManager.default.removeItem(atPath: path) }
        }
        let key = "k-" + UUID().uuidString
        let server = try await serverWithThirtyEvents(directory, key: key)
        await server.stop(signal: SIGTERM)
        #expect(await server.process.exit() == 0, "\(server.output)")
        let publicKey = try #require(
            try await runCLI(["keys", "public", "--data-dir", directory]).output.split(separator: "\n").last.map(String.init)
        )

        // Contiguous, with no server: the whole log up to a checkpoint.
        let exported = try await runCLI(["export", "--data-dir", directory, "--output", file])
        #expect(exported.status == 0, "\(exported.output)")
        #expect(!FileManager.default.fileExists(atPath: file + ".partial"))
        let verified = try await runCLI(["verify", "--export", file, "--public-key", publicKey])
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.contains("OK: 30 events"), "\(verified.output)")

        // The export was recorded as the operator's; the next export is past the latest checkpoint
        // (that record), so it signs one with the log's key — and still verifies.
        let store = try await SQLiteAuditStore.open(configuration: .init(directory: directory), logger: Logger(label: "test"))
        let recorded = try await store.rows(after: 30, limit: 10).map { try $0.decoded() }
        try await store.close()
        // Recorded before its first byte (started) and before its trailer (completed, with the count).
        #expect(recorded.map(\.action) == ["audit.export", "audit.export"])
        #expect(recorded.map { $0.metadata?["stage"] } == ["started", "completed"])
        let actorID = recorded.first?.actor?.id ?? ""
        #expect(actorID.hasPrefix("cli:"), "\(actorID)")
        #expect(recorded.last?.metadata?["count"] == 30)
        #expect(recorded.last?.metadata?["route"] == "audittrail export --data-dir")
        let again = try await runCLI(["export", "--data-dir", directory, "--output", file])
        #expect(again.status == 0, "\(again.output)")
        let verifiedAgain = try await runCLI(["verify", "--export", file, "--public-key", publicKey])
        #expect(verifiedAgain.output.contains("OK: 32 events"), "\(verifiedAgain.output)")

        // Filtered, to standard output.
        let filtered = try await runCLI(["export", "--data-dir", directory, "--actor", "u-1", "--action", "data.*"])
        #expect(filtered.status == 0, "\(filtered.output)")
        try filtered.output.write(toFile: file, atomically: true, encoding: .utf8)
        let filteredVerified = try await runCLI(["verify", "--export", file, "--public-key", publicKey])
        #expect(filteredVerified.output.contains("OK: 10 events"), "\(filteredVerified.output)")

        // In a SIEM's format, filtered, to a file: one record per matching event.
        let csv = try await runCLI(["export", "--data-dir", directory, "--format", "csv", "--actor", "u-1", "--output", file])
        #expect(csv.status == 0, "\(csv.output)")
        let rows = try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.first == AuditCSVFormat.columns.joined(separator: ","))
        #expect(rows.count == 11, "\(rows.count) rows")
        let ocsf = try await runCLI(["export", "--data-dir", directory, "--format", "ocsf", "--action", "data.*"])
        #expect(ocsf.status == 0, "\(ocsf.output)")
        let objects = ocsf.output.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }.filter { $0["class_uid"] != nil }
        #expect(objects.count == 30 && objects.allSatisfy { $0["metadata"]?["product"]?["name"] == "AuditTrail" })
    }

    @Test(arguments: [
        (["export", "--data-dir", "/nonexistent-dir/data"], "--data-dir"),
        (["export", "--server", "http://127.0.0.1:1", "--data-dir", "d"], "--data-dir"),
        (["export", "--api-key", "k"], "--api-key"),
        (["export", "--server", "http://127.0.0.1:1", "--signing-key", "k"], "--signing-key"),
        (["export", "--limit", "5"], "--limit"),
        (["export", "--server", "ftp://x"], "--server"),
        (["export", "--server", "http://127.0.0.1:1", "--outcome", "maybe"], "--outcome"),
        (["export", "--server", "http://127.0.0.1:1", "--format", "xml"], "--format"),
        (["export", "--server", "http://127.0.0.1:1", "--output", "/nonexistent-dir/x.jsonl"], "--output"),
        (["verify", "--export", "x.jsonl"], "--public-key"),
        (["verify", "--export", "x.jsonl", "--public-key", "not-a-key"], "--public-key"),
        (["verify", "--export", "x.jsonl", "--server", "http://127.0.0.1:1"], "--export"),
        (["verify", "--export", "/nonexistent.jsonl", "--public-key", "a+01234567+AQ=="], "--public-key"),
    ])
    func badArgumentsNameTheFlag(arguments: [String], expected: String) async throws {
        let result = try await runCLI(arguments)
        #expect(result.status != 0)
        #expect(result.output.contains(expected), "\(arguments): \(result.output)")
    }
}
