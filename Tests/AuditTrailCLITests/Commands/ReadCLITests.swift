import AuditTrail
import AuditTrailClient
import Foundation
import Testing

@testable import audittrail

/// `audittrail query` and `audittrail stats` against the real binary: on a running server and on
/// a data directory alike, each read recorded as `audit.query`; `tail` reserved.
@Suite("audittrail query, stats and tail")
struct ReadCLITests {
    /// A real server holding seven `user.login` events (three failures) by u-1 and u-2.
    func serverWithLogins(_ directory: String, key: String) async throws -> ServerProcess {
        let server = try ServerProcess(dataDirectory: directory, environment: ["AUDITTRAIL_ADMIN_KEY": key])
        try await server.waitUntilHealthy()
        let events = (0..<7).map {
            #"{"action":"user.login","outcome":"\#($0 < 3 ? "failure" : "success")","actor":{"id":"u-\#($0 % 2 + 1)"},"description":"login \#($0)"}"#
        }
        #expect(try await server.request("POST", "/v1/events/batch", key: key, json: "[" + events.joined(separator: ",") + "]").status == 201)
        return server
    }

    @Test func queryAndStatsAnswerAlikeFromAServerAndFromADataDirectory() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = "k-" + UUID().uuidString
        let server = try await serverWithLogins(directory, key: key)
        defer { server.kill(signal: SIGTERM) }
        let keyFile = directory + "/reader.key"
        try (key + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        let remote = ["--server", "http://127.0.0.1:\(server.port)", "--api-key-file", keyFile]
        let local = ["--data-dir", directory]

        // The same filters give the same events, byte for byte, both ways.
        let filters = ["--action", "user.*", "--outcome", "failure", "--format", "json"]
        let fromServer = try await runCLI(["query"] + filters + remote)
        let fromDirectory = try await runCLI(["query"] + filters + local)
        #expect(fromServer.status == 0, "\(fromServer.output)")
        #expect(fromDirectory.status == 0, "\(fromDirectory.output)")
        let lines = fromServer.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count == 3, "\(fromServer.output)")
        #expect(lines == fromDirectory.output.split(separator: "\n").filter { $0.hasPrefix("{") })
        // Each line is the event as GET /v1/events returns it: canonical bytes and the chain hash.
        for line in lines {
            let event = try AuditStoredEvent(response: try JSONParser.parse(String(line)))
            #expect(event.responseJSON == Array(line.utf8))
        }

        // The table, from the server, with the key in the environment instead of a file.
        let table = try await runCLI(
            ["query", "--actor", "u-2", "--server", "http://127.0.0.1:\(server.port)"],
            environment: ["AUDITTRAIL_API_KEY": key]
        )
        #expect(table.status == 0, "\(table.output)")
        let rows = table.output.split(separator: "\n")
        #expect(rows.first?.hasPrefix("SEQ  TIME") == true, "\(table.output)")
        #expect(rows.filter { $0.contains("user.login") && $0.contains("u-2") }.count == 3, "\(table.output)")
        #expect(!table.output.contains { $0 == "\r" } && !rows.contains { $0.hasSuffix(" ") })

        // Stats: the body of GET /v1/stats, both ways; and a readable table.
        let statsFilters = ["stats", "--action", "user.login", "--bucket", "day", "--format", "json"]
        let remoteStats = try await runCLI(statsFilters + remote)
        let localStats = try await runCLI(statsFilters + local)
        #expect(remoteStats.status == 0 && localStats.status == 0, "\(remoteStats.output) \(localStats.output)")
        #expect(remoteStats.output == localStats.output)
        let stats = try JSONParser.parse(remoteStats.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(stats["total"] == .int(7) && stats["failures"] == .int(3) && stats["unique_actors"] == .int(2), "\(remoteStats.output)")
        #expect(stats["bucket"] == .string("day") && stats["by_outcome"]?["success"] == .int(4))
        let statsTable = try await runCLI(["stats", "--action", "user.login", "--group-by", "outcome", "--top", "1"] + local)
        #expect(statsTable.status == 0, "\(statsTable.output)")
        #expect(statsTable.output.contains("EVENTS  FAILURES  DENIED  UNIQUE ACTORS\n7       3         0       2"), "\(statsTable.output)")
        #expect(statsTable.output.contains("user.login  7") && statsTable.output.contains("failure  3"), "\(statsTable.output)")
        #expect(statsTable.output.contains("OUTCOME  COUNT\nsuccess  4\n\n2 distinct values of outcome"), "\(statsTable.output)")

        // Every read above is in the log: the server's as its key, the data directory's as the operator.
        let reads = try await runCLI(["query", "--action", "audit.query", "--limit", "1000", "--format", "json"] + local)
        let recorded = try reads.output.split(separator: "\n").filter { $0.hasPrefix("{") }.map { try JSONParser.parse(String($0)) }
        func count(_ route: String) -> Int { recorded.filter { $0["resource"]?["id"]?.stringValue == route }.count }
        #expect(count("GET /v1/events") == 2 && count("GET /v1/stats") == 1, "\(reads.output)")
        #expect(count("audittrail query") == 1 && count("audittrail stats") == 2, "\(reads.output)")
        let operatorRead = try #require(recorded.first { $0["resource"]?["id"]?.stringValue == "audittrail query" })
        #expect(operatorRead["actor"]?["id"]?.stringValue?.hasPrefix("cli:") == true, "\(operatorRead)")
        #expect(operatorRead["actor"]?["type"]?.stringValue == "operator")
        #expect(operatorRead["metadata"]?["parameters"]?["outcome"] == .string("failure"))
        #expect(operatorRead["metadata"]?["result_count"] == .int(3))
    }

    @Test(arguments: [
        (["query", "--server", "http://127.0.0.1:1"], "--api-key-file: required"),
        (["query", "--server", "http://127.0.0.1:1", "--api-key", "a", "--api-key-file", "f"], "either --api-key or --api-key-file"),
        (["query", "--api-key", "a"], "only with --server"),
        (["query", "--server", "http://127.0.0.1:1", "--data-dir", "d"], "either --data-dir or --server"),
        (["query", "--server", "ftp://example.com"], "--server: must be http://host[:port] or https://host[:port]"),
        (["query", "--ca-file", "ca.pem"], "--ca-file: only with --server"),
        (["query", "--server", "http://127.0.0.1:1", "--api-key-file", "/nonexistent/key"], "--api-key-file: cannot read /nonexistent/key"),
        (["stats", "--bucket", "week"], "--bucket: must be one of auto, minute, hour, day"),
        (["stats", "--format", "yaml"], "--format: must be table or json"),
        (["stats", "--group-by", "word"], "--group-by: must be one of action, category"),
        (["stats", "--top", "5"], "--top: needs --group-by"),
        (["stats", "--group-by", "actor", "--top", "0"], "--top: must be an integer from 1 to 1000"),
        (["stats", "-q", "action:("], "-q:"),
    ])
    func badArgumentsAreNamed(arguments: [String], message: String) async throws {
        let result = try await runCLI(arguments)
        #expect(result.status == 64, "\(arguments): \(result.output)")
        #expect(result.output.contains(message), "\(arguments): \(result.output)")
    }

    @Test func aServerThatRefusesTheKeyIsReportedWithItsStatusAndNoUsage() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await serverWithLogins(directory, key: "k-" + UUID().uuidString)
        defer { server.kill(signal: SIGTERM) }
        for command in ["query", "stats"] {
            let result = try await runCLI([command, "--server", "http://127.0.0.1:\(server.port)", "--api-key", "wrong"])
            #expect(result.status == 64, "\(result.output)")
            #expect(result.output.contains("answered 401"), "\(result.output)")
            #expect(!result.output.contains("Usage:"), "an error found while running is not a usage error: \(result.output)")
        }
    }

    @Test func aBadFlagPrintsTheSubcommandsOwnUsage() async throws {
        for command in ["query", "stats", "export", "verify"] {
            let result = try await runCLI([command, "--no-such-flag"])
            #expect(result.status == 64, "\(result.output)")
            #expect(result.output.contains("Usage: audittrail \(command) ["), "\(command): \(result.output)")
            #expect(!result.output.contains("<options>") && !result.output.contains("audittrail <subcommand>"), "\(command): \(result.output)")
        }
    }

    @Test func theStatsTableListsEachBreakdownLargestFirst() {
        let stats: JSONValue = .object([
            "total": .int(5), "failures": .int(1), "denied": .int(0), "unique_actors": .int(2),
            "by_action": .object(["a.b": .int(1), "user.login": .int(4)]), "bucket": .string("hour"),
            "histogram": .array([.object(["start": .string("2026-12-01T10:00:00.000Z"), "count": .int(5)])]),
        ])
        let text = StatsCommand.table(stats.objectValue ?? [:])
        #expect(text.contains("ACTION      COUNT\nuser.login  4\na.b         1"), "\(text)")
        #expect(text.contains("HOUR FROM                 COUNT\n2026-12-01T10:00:00.000Z  5      " + String(repeating: "#", count: 40)), "\(text)")
    }
}
