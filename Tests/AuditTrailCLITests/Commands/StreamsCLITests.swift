import AuditTrail
import AuditTrailClient
import Foundation
import Testing

@testable import audittrail

/// `audittrail streams` against a real server, and a files stream through `kill -9`: the
/// directory ends up holding every event, and `verify --stream-batch DIR` proves it; an edited
/// file fails it.
@Suite("streams", .serialized)
struct StreamsCLITests {
    static let key = "streams-admin-key-0123456789"

    @Test func aFilesStreamSurvivesKillNineAndItsDirectoryVerifies() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["AUDITTRAIL_ADMIN_KEY": Self.key, "AUDITTRAIL_API_KEY": Self.key]
        var server = try ServerProcess(dataDirectory: directory, environment: environment)
        try await server.waitUntilHealthy()
        var url = "http://127.0.0.1:\(server.port)"
        func post(_ server: ServerProcess, _ count: Int) async throws {
            let events = (0..<count).map { #"{"action":"doc.view","actor":{"id":"u-\#($0)"}}"# }
            let reply = try await server.request("POST", "/v1/events/batch", key: Self.key, json: "[" + events.joined(separator: ",") + "]")
            #expect(reply.status == 201)
        }
        try await post(server, 50)

        let created = try await runCLI(
            ["streams", "create", "--server", url, "--name", "archive", "--files", "archive/a", "--batch-events", "20", "--linger-ms", "0"],
            environment: environment
        )
        #expect(created.status == 0 && created.output.contains("created"), "\(created.output)")
        let refused = try await runCLI(
            ["streams", "create", "--server", url, "--name", "x", "--webhook", "http://siem.example/in"],
            environment: environment
        )
        #expect(refused.status == 64 && refused.output.contains("--webhook: must be https://"), "\(refused.output)")
        let both = try await runCLI(
            ["streams", "create", "--server", url, "--name", "x", "--files", "a", "--syslog", "h:1"],
            environment: environment
        )
        #expect(both.status == 64 && both.output.contains("exactly one destination"), "\(both.output)")

        let files = directory + "/streams/archive/a"
        try await waitFor("the first batches") { ((try? AuditStreamFiles.batchFiles(in: files)) ?? []).count >= 2 }
        for _ in 0..<5 { try await post(server, 40) }
        // Killed mid-stream: nothing it acknowledged is lost, the stream goes on after a restart.
        await server.stop(signal: SIGKILL)
        server = try ServerProcess(dataDirectory: directory, environment: environment)
        try await server.waitUntilHealthy()
        url = "http://127.0.0.1:\(server.port)"
        try await post(server, 30)
        let newest = try JSONParser.parse(try await server.request("GET", "/v1/events?limit=1", key: Self.key).body)
        let head = try #require(newest["events"]?.arrayValue?.first?["seq"]?.int64Value)
        let listed = try await runCLI(["streams", "list", "--server", url], environment: environment)
        #expect(listed.status == 0 && listed.output.contains("archive") && listed.output.contains("files archive/a"), "\(listed.output)")
        let publicKey = try #require(
            try await runCLI(["keys", "public", "--data-dir", directory]).output.split(separator: "\n").first.map(String.init)
        )
        // Every event the log holds now is in the directory (the list above is recorded too: wait for the last).
        try await waitFor("every event in the directory") {
            let result = try await runCLI(["verify", "--public-key", publicKey, "--json", "--stream-batch", files])
            let through = (try? JSONParser.parse(Array(result.output.utf8)))?["through"]?.int64Value ?? 0
            return result.status == 0 && through >= head
        }
        let verified = try await runCLI(["verify", "--public-key", publicKey, "--stream-batch", files])
        #expect(verified.status == 0 && verified.output.contains("Contiguous"), "\(verified.output)")

        let listJSON = try await runCLI(["streams", "list", "--server", url, "--json"], environment: environment)
        let stream = try #require((try JSONParser.parse(Array(listJSON.output.utf8)))["streams"]?.arrayValue?.first)
        let id = try #require(stream["id"]?.stringValue)
        #expect(try await runCLI(["streams", "delete", id, "--server", url], environment: environment).status == 0)
        let gone = try await runCLI(["streams", "delete", id, "--server", url], environment: environment)
        #expect(gone.status != 0 && gone.output.contains("404"), "\(gone.output)")
        await server.stop(signal: SIGTERM)

        // An edited event in one file: the directory no longer verifies.
        let names = try AuditStreamFiles.batchFiles(in: files)
        let victim = files + "/" + names[names.count / 2]
        var text = try String(contentsOfFile: victim, encoding: .utf8)
        text = text.replacingOccurrences(of: #""action":"doc.view""#, with: #""action":"doc.edit""#)
        try text.write(toFile: victim, atomically: true, encoding: .utf8)
        let edited = try await runCLI(["verify", "--public-key", publicKey, "--stream-batch", files])
        #expect(edited.status == 1 && edited.output.contains("FAILED"), "\(edited.output)")
    }
}
