import AuditTrail
import AuditTrailClient
import Foundation
import Testing

@testable import audittrail

/// `audittrail alerts` against a real server, and a rule across `kill -9`: its counts are rebuilt
/// from the last window (two events before the kill and one after fire it), and a group that
/// fired does not fire again within its window after another restart.
@Suite("alerts", .serialized)
struct AlertsCLITests {
    static let key = "alerts-admin-key-0123456789"

    @Test func aRuleKeepsItsWindowAcrossRestarts() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["AUDITTRAIL_ADMIN_KEY": Self.key, "AUDITTRAIL_API_KEY": Self.key]
        var server = try ServerProcess(dataDirectory: directory, environment: environment)
        try await server.waitUntilHealthy()
        var url = "http://127.0.0.1:\(server.port)"
        let created = try await runCLI(
            [
                "alerts", "create", "--server", url, "--name", "purge", "-q", "action:doc.purge", "--threshold", "3", "--window", "600", "--group-by",
                "actor.id",
            ],
            environment: environment
        )
        #expect(created.status == 0 && created.output.contains("created"), "\(created.output)")
        let bad = try await runCLI(["alerts", "create", "--server", url, "--name", "x", "-q", "action:(", "--window", "0"], environment: environment)
        #expect(bad.status == 64 && bad.output.contains("--window") && bad.output.contains("--query"), "\(bad.output)")

        func purge(_ server: ServerProcess) async throws -> Int64 {
            let reply = try await server.request("POST", "/v1/events", key: Self.key, json: #"{"action":"doc.purge","actor":{"id":"u-1"}}"#)
            #expect(reply.status == 201)
            return try #require(try JSONParser.parse(reply.body)["seq"]?.int64Value)
        }
        func alerts(_ server: ServerProcess) async throws -> [JSONValue] {
            let reply = try await server.request("GET", "/v1/events?action=security.alert&order=asc", key: Self.key)
            return (try JSONParser.parse(reply.body)["events"]?.arrayValue ?? []).filter { $0["metadata"]?["rule_name"] == "purge" }
        }
        func waitForRule(_ server: ServerProcess) async throws {
            try await waitFor("the rule to evaluate") {
                let rules = try JSONParser.parse(try await server.request("GET", "/v1/alert-rules", key: Self.key).body)["rules"]?.arrayValue ?? []
                return rules.last?["status"]?["evaluated_through"]?.int64Value != nil
            }
        }
        try await waitForRule(server)
        var seqs = [try await purge(server), try await purge(server)]
        try await Task.sleep(for: .milliseconds(300))
        await server.stop(signal: SIGKILL)
        server = try ServerProcess(dataDirectory: directory, environment: environment)
        try await server.waitUntilHealthy()
        url = "http://127.0.0.1:\(server.port)"
        try await waitForRule(server)
        seqs.append(try await purge(server))
        try await waitFor("the alert after the restart") { try await alerts(server).count == 1 }
        #expect(try await alerts(server).first?["metadata"]?["seqs"] == .array(seqs.map(JSONValue.int)))

        await server.stop(signal: SIGTERM)
        server = try ServerProcess(dataDirectory: directory, environment: environment)
        try await server.waitUntilHealthy()
        url = "http://127.0.0.1:\(server.port)"
        try await waitForRule(server)
        for _ in 0..<4 { _ = try await purge(server) }
        try await Task.sleep(for: .seconds(2))
        #expect(try await alerts(server).count == 1, "the group fired within the window already")

        let listed = try await runCLI(["alerts", "list", "--server", url], environment: environment)
        #expect(listed.status == 0 && listed.output.contains("purge") && listed.output.contains("builtin.key-new-ip"), "\(listed.output)")
        let off = try await runCLI(["alerts", "disable", "builtin.denied-burst", "--server", url], environment: environment)
        #expect(off.status == 0 && off.output.contains("off"), "\(off.output)")
        let builtIn = try await runCLI(["alerts", "delete", "builtin.denied-burst", "--server", url], environment: environment)
        #expect(builtIn.status != 0 && builtIn.output.contains("409"), "\(builtIn.output)")
        await server.stop(signal: SIGTERM)
    }
}
