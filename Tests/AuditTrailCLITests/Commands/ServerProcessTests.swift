import AuditTrail
import AuditTrailClient
import AuditTrailSQLite
import Foundation
import SQLiteNIO
import Synchronization
import Testing

@testable import audittrail

@Suite("The audittrail binary, end to end", .serialized)
struct ServerProcessTests {
    let adminKey = "test-admin-" + UUID().uuidString

    @Test func acknowledgedEventsSurviveSIGKILL() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var acknowledged: [(id: String, seq: Int64, hash: String)] = []
        do {
            let server = try ServerProcess(dataDirectory: directory, environment: ["AUDITTRAIL_ADMIN_KEY": adminKey])
            try await server.waitUntilHealthy()
            // Single events from several threads at once, so acknowledgements come from group commits.
            let key = adminKey
            let results = await withTaskGroup(of: [(String, Int64, String)].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var mine: [(String, Int64, String)] = []
                        for index in 0..<40 {
                            let body = #"{"action":"data.update","actor":{"id":"u-\#(worker)"},"metadata":{"n":\#(index)}}"#
                            guard let response = try? await server.request("POST", "/v1/events", key: key, json: body), response.status == 201,
                                case .object(let object)? = try? JSONParser.parse(response.body),
                                let id = object["id"]?.stringValue, let seq = object["seq"]?.int64Value, let hash = object["hash"]?.stringValue
                            else { continue }
                            mine.append((id, seq, hash))
                        }
                        return mine
                    }
                }
                return await group.reduce(into: []) { $0 += $1 }
            }
            let batch = "[" + (0..<500).map { #"{"action":"data.read","metadata":{"i":\#($0)}}"# }.joined(separator: ",") + "]"
            let batchResponse = try await server.request("POST", "/v1/events/batch", key: adminKey, json: batch)
            #expect(batchResponse.status == 201)
            await server.stop(signal: SIGKILL)
            acknowledged = results.map { (id: $0.0, seq: $0.1, hash: $0.2) }
            #expect(acknowledged.count == 320)
            if case .object(let object)? = try? JSONParser.parse(batchResponse.body) {
                #expect(object["accepted"]?.int64Value == 500)
            }
        }
        let restarted = try ServerProcess(dataDirectory: directory, environment: ["AUDITTRAIL_ADMIN_KEY": adminKey])
        try await restarted.waitUntilHealthy()
        for event in acknowledged {
            let response = try await restarted.request("GET", "/v1/events/\(event.id)", key: adminKey)
            #expect(response.status == 200, "event \(event.id) (seq \(event.seq)) was acknowledged but is gone")
            if case .object(let object)? = try? JSONParser.parse(response.body) {
                #expect(object["seq"]?.int64Value == event.seq)
                #expect(object["hash"]?.stringValue == event.hash)
            }
        }
        await restarted.stop(signal: SIGTERM)
        let verify = try await runCLI(["verify", "--data-dir", directory, "--no-state"])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("OK: "))
    }

    @Test func aFullWriterAnswers503AndStoresNothingItRefused() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A queue of one event: while one commit is in flight, every other append is refused.
        let server = try ServerProcess(
            dataDirectory: directory,
            environment: ["AUDITTRAIL_ADMIN_KEY": adminKey],
            arguments: ["--writer-capacity", "1"]
        )
        try await server.waitUntilHealthy()
        let key = adminKey
        let all = await withTaskGroup(of: [(id: String, status: Int, retryAfter: String?)].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var mine: [(id: String, status: Int, retryAfter: String?)] = []
                    for _ in 0..<50 {
                        let id = UUID().uuidString.lowercased()
                        let body = #"{"id":"\#(id)","action":"data.update","actor":{"id":"u-\#(worker)"}}"#
                        guard let response = try? await server.request("POST", "/v1/events", key: key, json: body) else { continue }
                        mine.append((id, response.status, response.header("retry-after")))
                    }
                    return mine
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        let refused = all.filter { $0.status == 503 }
        let stored = all.filter { $0.status == 201 }
        #expect(all.count == 400)
        #expect(refused.count + stored.count == all.count, "only 201 and 503 are expected")
        #expect(!refused.isEmpty, "eight concurrent writers against a one-event queue must be refused sometimes")
        #expect(refused.allSatisfy { $0.retryAfter == "1" })
        // Reads are recorded (audit.query) through the same one-event queue, and a read that cannot
        // be recorded is refused too (503), so look each event up until the read itself gets through.
        func lookup(_ id: String) async throws -> Int {
            for _ in 0..<100 {
                let status = try await server.request("GET", "/v1/events/\(id)", key: adminKey).status
                if status != 503 { return status }
                try await Task.sleep(for: .milliseconds(20))
            }
            return 503
        }
        for event in stored { #expect(try await lookup(event.id) == 200) }
        for event in refused.prefix(50) { #expect(try await lookup(event.id) == 404) }
        await server.stop(signal: SIGTERM)
    }

    @Test func sigtermDrainsAndExitsCleanly() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(dataDirectory: directory, environment: ["AUDITTRAIL_ADMIN_KEY": adminKey])
        try await server.waitUntilHealthy()
        for index in 0..<25 {
            let response = try await server.request("POST", "/v1/events", key: adminKey, json: #"{"action":"user.login","metadata":{"n":\#(index)}}"#)
            #expect(response.status == 201)
        }
        await server.stop(signal: SIGTERM)
        #expect(await server.process.exit() == 0, "\(server.output)")
        let query = try await runCLI(["query", "--data-dir", directory, "--action", "user.login", "--format", "json", "--limit", "100"])
        #expect(query.status == 0, "\(query.output)")
        #expect(query.output.split(separator: "\n").filter { $0.hasPrefix("{") }.count == 25)
    }

    @Test func firstStartExplainsHowToCreateAKeyAndCLIKeysWorkWhileServing() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(dataDirectory: directory)
        try await server.waitUntilHealthy()
        #expect(try await server.request("GET", "/v1/events").status == 401)
        // The hint is one indented line, runnable as printed from this directory: run it as a
        // newcomer would, through a shell, with --json added to read the result.
        let hint = try #require(
            server.output.split(separator: "\n").first { $0.hasPrefix("    ") && $0.contains(" keys create --role admin ") },
            "\(server.output)"
        )
        #expect(hint.contains("--data-dir \(directory)"), "\(hint)")
        let created = try await runShell(hint.trimmingCharacters(in: .whitespaces) + " --json")
        #expect(created.status == 0, "\(hint): \(created.output)")
        let json = try #require(created.output.split(separator: "\n").first { $0.hasPrefix("{") })
        let object = try #require(try JSONParser.parse(String(json)).objectValue)
        let key = try #require(object["key"]?.stringValue)
        let keyID = try #require(object["id"]?.stringValue)
        #expect(try await server.request("POST", "/v1/events", key: key, json: #"{"action":"user.login"}"#).status == 201)
        // A second start with an admin key prints no hint.
        await server.stop(signal: SIGTERM)
        let again = try ServerProcess(dataDirectory: directory)
        try await again.waitUntilHealthy()
        #expect(!again.output.contains("No admin key exists yet"), "\(again.output)")
        #expect(again.output.contains("listening on http://127.0.0.1:\(again.port)"), "\(again.output)")

        let listed = try await runCLI(["keys", "list", "--data-dir", directory])
        #expect(listed.output.contains(keyID))
        #expect(!listed.output.contains(key), "secrets must never be listed")

        #expect(try await runCLI(["keys", "revoke", keyID, "--data-dir", directory]).status == 0)
        var status = 0
        for _ in 0..<100 {  // the server caches key lookups for at most a few seconds
            status = try await again.request("GET", "/v1/events", key: key).status
            if status == 401 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == 401)

        // Both key changes are in the log, by the operator, interleaved with the server's appends.
        for action in ["audit.key.created", "audit.key.revoked"] {
            let logged = try await runCLI(["query", "--data-dir", directory, "--action", action, "--format", "json"])
            let lines = logged.output.split(separator: "\n").filter { $0.hasPrefix("{") }
            #expect(lines.count == 1, "\(action): \(logged.output)")
            let event = try #require(try JSONParser.parse(String(lines.first ?? "")).objectValue)
            #expect(event["actor"]?["type"]?.stringValue == "operator")
            #expect(event["resource"]?["id"]?.stringValue == keyID)
        }
        let verified = try await runCLI(["verify", "--no-state", "--data-dir", directory])
        #expect(verified.status == 0, "\(verified.output)")
        await again.stop(signal: SIGTERM)
    }

    @Test(arguments: [
        (["query", "--limit", "5000"], "--limit"),
        (["query", "--outcome", "maybe"], "--outcome"),
        (["query", "--since", "yesterday"], "--since"),
        (["query", "-q", "action:user.login (outcome:failure"], "column"),
        (["query", "--format", "xml"], "--format"),
        (["serve", "--port", "70000"], "--port"),
        (["serve", "--log-level", "loud"], "--log-level"),
        (["serve", "--writer-capacity", "0"], "--writer-capacity"),
        (["serve", "--store-readers", "100"], "--store-readers"),
        (["keys", "create", "--role", "root"], "--role"),
        (["keys", "create", "--role", "viewer"], "--subject"),
        (["bench", "ingest", "--batch", "0"], "--batch"),
        (["bench", "ingest", "--instances", "0"], "--instances"),
        (["bench", "ingest", "--instances", "2"], "--instances"),
        (["serve", "--checkpoint-events", "0"], "--checkpoint-events"),
        (["serve", "--checkpoint-seconds", "soon"], "--checkpoint-seconds"),
        (["serve", "--checkpoint-seconds", "0"], "--checkpoint-seconds"),
        (["serve", "--log-origin", ""], "--log-origin"),
        (["serve", "--bogus", "1"], "--bogus"),
        (["serve", "--port"], "--port: needs a value"),
        (["serve", "--host", "two words"], "--host"),
        (["verify", "--public-key", "not-a-key"], "--public-key"),
        (["verify", "--no-state", "--state", "s.json"], "--no-state"),
        (["keys", "public"], "--signing-key"),
    ])
    func badArgumentsNameTheFlag(arguments: [String], expected: String) async throws {
        let directory = temporaryDataDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let needsDir = arguments.first != "serve" && arguments.first != "bench"
        let result = try await runCLI(arguments + (needsDir ? ["--data-dir", directory] : []))
        #expect(result.status != 0)
        #expect(result.output.contains(expected), "\(result.output)")
    }

    @Test func aBadVariableIsNamedWithoutItsValue() async throws {
        let secret = "short secret"
        let result = try await runCLI(["serve"], environment: ["AUDITTRAIL_WRITER_CAPACITY": "0", "AUDITTRAIL_ADMIN_KEY": secret])
        #expect(result.status != 0)
        #expect(result.output.contains("AUDITTRAIL_WRITER_CAPACITY: must be an integer from 1 to 100000000"), "\(result.output)")
        #expect(result.output.contains("AUDITTRAIL_ADMIN_KEY: must be"), "\(result.output)")
        #expect(!result.output.contains(secret))
    }

    @Test func portZeroIsPrintedAndWrittenToThePortFile() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(dataDirectory: directory)
        try await server.waitUntilHealthy()
        #expect(server.port != 0)
        #expect(try String(contentsOfFile: server.portFile, encoding: .utf8) == "127.0.0.1:\(server.port)\n")
        // The line is printed once the server listens: the port file may be read a moment before.
        var printed = false
        for _ in 0..<100 where !printed {
            printed = server.output.contains("listening on http://127.0.0.1:\(server.port)\n")
            if !printed { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(printed, "\(server.output)")
        await server.stop(signal: SIGTERM)
    }

    @Test func helpIsAvailableEverywhere() async throws {
        for command in [[], ["serve"], ["keys"], ["keys", "create"], ["keys", "public"], ["query"], ["verify"], ["bench", "ingest"]] {
            let result = try await runCLI(command + ["--help"])
            #expect(result.status == 0)
            #expect(result.output.contains("USAGE"), "\(command)")
        }
    }
}

@Suite("audittrail verify on a tampered data directory", .serialized)
struct VerifyCommandTests {
    /// Writes `count` events through a real server process, then stops it.
    func populate(_ directory: String, count: Int) async throws {
        let key = "k-" + UUID().uuidString
        let server = try ServerProcess(dataDirectory: directory, environment: ["AUDITTRAIL_ADMIN_KEY": key])
        try await server.waitUntilHealthy()
        let batch =
            "[" + (0..<count).map { #"{"action":"data.update","actor":{"id":"u-\#($0 % 3)"},"metadata":{"i":\#($0)}}"# }.joined(separator: ",") + "]"
        #expect(try await server.request("POST", "/v1/events/batch", key: key, json: batch).status == 201)
        await server.stop(signal: SIGTERM)
    }

    func tamper(_ directory: String, _ statements: [String]) async throws {
        let configuration = SQLiteAuditStore.Configuration(directory: directory)
        let connection = try await SQLiteConnection.open(storage: .file(path: configuration.databasePath))
        for statement in statements { _ = try await connection.query(statement) }
        try await connection.close()
    }

    @Test(arguments: [
        (
            [
                "DROP TRIGGER events_refuse_update",
                "UPDATE events SET canonical = CAST(replace(CAST(canonical AS TEXT), '\"i\":7', '\"i\":70') AS BLOB) WHERE seq = 8",
            ], 8, "edited"
        ),
        (["DROP TRIGGER events_refuse_delete", "DELETE FROM events WHERE seq = 5"], 5, "missing"),
        (["DROP TRIGGER events_refuse_update", "UPDATE events SET hash = zeroblob(32) WHERE seq = 11"], 11, "edited"),
    ])
    func verifyNamesTheFirstBadSeq(statements: [String], seq: Int, kind: String) async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await populate(directory, count: 20)
        let clean = try await runCLI(["verify", "--data-dir", directory, "--no-state", "--json"])
        #expect(clean.status == 0, "\(clean.output)")
        #expect(clean.output.contains(#""ok":true"#))

        try await tamper(directory, statements)
        let result = try await runCLI(["verify", "--data-dir", directory, "--no-state", "--json"])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains(#""first_bad_seq":\#(seq)"#), "\(result.output)")
        #expect(result.output.contains(kind), "\(result.output)")
        let text = try await runCLI(["verify", "--data-dir", directory, "--no-state"])
        #expect(text.output.contains("FAILED at seq \(seq)"), "\(text.output)")
    }
}
