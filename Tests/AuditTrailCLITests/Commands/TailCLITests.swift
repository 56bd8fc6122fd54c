import AuditTrail
import AuditTrailClient
import Foundation
import Testing

@testable import audittrail

/// `audittrail tail` against the real server binary.
@Suite("audittrail tail", .serialized)
struct TailCLITests {
    static let key = "tail-admin-key-0123456789"

    /// The JSON lines a tail printed (its notices on standard error share the file).
    static func events(in path: String) -> [JSONValue] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.hasPrefix("{") }.compactMap { try? JSONParser.parse(Array($0.utf8)) }
    }

    static func post(_ server: ServerProcess, _ action: String) async throws -> Int64 {
        let reply = try await server.request("POST", "/v1/events", key: key, json: #"{"action":"\#(action)"}"#)
        return try #require(try reply.json()["seq"]?.int64Value, "\(reply.status)")
    }

    @Test("a tail follows across a server restart, resuming with no gap and no repeat")
    func followsAcrossARestart() async throws {
        let directory = temporaryDataDirectory()
        let output = directory + ".tail.out"
        defer { for path in [directory, output] { try? FileManager.default.removeItem(atPath: path) } }
        var server = try ServerProcess(dataDirectory: directory, environment: ["AUDITTRAIL_ADMIN_KEY": Self.key])
        try await server.waitUntilHealthy()
        let port = server.port
        let tail = try ChildProcess(
            executable: ServerProcess.binary,
            arguments: ["tail", "--server", "http://127.0.0.1:\(port)", "--action", "doc.*", "--format", "json"],
            environment: childEnvironment(["AUDITTRAIL_API_KEY": Self.key]),
            outputPath: output
        )
        defer {
            tail.signal(SIGKILL)
            tail.wait()
        }
        try await waitFor("the tail to connect", output) { $0.contains("tail: following") }
        var posted: [Int64] = []
        for action in ["doc.view", "user.login", "doc.edit", "doc.view"] {
            let seq = try await Self.post(server, action)
            if action.hasPrefix("doc.") { posted.append(seq) }
        }
        try await waitFor("three events", output) { _ in Self.events(in: output).count >= 3 }
        await server.stop(signal: SIGTERM)
        try await waitFor("the shutdown notice", output) { $0.contains("the server ended the stream (shutdown)") }

        server = try ServerProcess(dataDirectory: directory, port: port, environment: ["AUDITTRAIL_ADMIN_KEY": Self.key])
        try await server.waitUntilHealthy()
        for action in ["doc.delete", "user.logout", "doc.view"] {
            let seq = try await Self.post(server, action)
            if action.hasPrefix("doc.") { posted.append(seq) }
        }
        try await waitFor("five events", output) { _ in Self.events(in: output).count >= 5 }
        try await Task.sleep(for: .milliseconds(500))
        let seqs = Self.events(in: output).compactMap { $0["seq"]?.int64Value }
        #expect(seqs == posted, "\((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")")
        #expect(Self.events(in: output).allSatisfy { $0["action"]?.stringValue?.hasPrefix("doc.") == true })
        await server.stop(signal: SIGTERM)
    }

    @Test("--after replays, --count ends it, --format line prints one line per event")
    func afterCountAndLines() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(dataDirectory: directory, environment: ["AUDITTRAIL_ADMIN_KEY": Self.key])
        try await server.waitUntilHealthy()
        for action in ["doc.view", "doc.edit", "doc.view"] { _ = try await Self.post(server, action) }
        let result = try await runCLI(
            ["tail", "--server", "http://127.0.0.1:\(server.port)", "--after", "1", "--count", "2", "--format", "line"],
            environment: ["AUDITTRAIL_API_KEY": Self.key]
        )
        #expect(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n").filter { !$0.hasPrefix("tail:") }
        #expect(lines.count == 2, "\(result.output)")
        #expect(lines.first?.hasPrefix("2  ") == true && lines.first?.contains("doc.edit") == true, "\(result.output)")
        #expect(lines.last?.hasPrefix("3  ") == true, "\(result.output)")

        // A key the server does not know: the 401 is named, and nothing is retried.
        let refused = try await runCLI(
            ["tail", "--server", "http://127.0.0.1:\(server.port)"],
            environment: ["AUDITTRAIL_API_KEY": "not-a-key-of-this-server"]
        )
        #expect(refused.status == 64 && refused.output.contains("--server: GET /v1/stream answered 401"), "\(refused.output)")
        await server.stop(signal: SIGTERM)
    }

    @Test(
        "bad arguments are named before anything is sent",
        arguments: [
            (["tail"], "--server"),
            (["tail", "--server", "http://127.0.0.1:1", "--after", "x"], "--after"),
            (["tail", "--server", "http://127.0.0.1:1", "--count", "0"], "--count"),
            (["tail", "--server", "http://127.0.0.1:1", "--format", "xml"], "--format"),
            (["tail", "--server", "http://127.0.0.1:1", "-q", "action:("], "-q"),
            (["tail", "--server", "http://127.0.0.1:1", "--outcome", "maybe"], "--outcome"),
        ]
    )
    func badArgumentsAreNamed(arguments: [String], flag: String) async throws {
        let result = try await runCLI(arguments, environment: ["AUDITTRAIL_API_KEY": Self.key])
        #expect(result.status == 64, "\(result.output)")
        #expect(result.output.contains("Error: \(flag)"), "\(result.output)")
    }

    /// Polls `path`'s text until `predicate` holds (30 s at most).
    func waitFor(_ what: String, _ path: String, _ predicate: (String) -> Bool) async throws {
        for _ in 0..<600 {
            if predicate((try? String(contentsOfFile: path, encoding: .utf8)) ?? "") { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("\(what) did not happen within 30 s:\n\((try? String(contentsOfFile: path, encoding: .utf8)) ?? "")")
    }
}
