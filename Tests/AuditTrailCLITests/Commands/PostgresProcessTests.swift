import AuditTrail
import AuditTrailClient
import AuditTrailPostgres
import AuditTrailTesting
import Foundation
import Logging
import Testing

@testable import audittrail

/// Several `audittrail serve` processes on one PostgreSQL log, as a team runs them: the owner
/// migrates and grants, the servers connect as the application role with one shared signing key,
/// one of them is killed, the other goes on and takes over signing, and the log verifies.
@Suite("Servers on one PostgreSQL log, end to end", .serialized, .enabled(if: AuditTestPostgres.isAvailable, AuditTestPostgres.unavailable))
struct PostgresProcessTests {
    @Test func twoServersAsTheApplicationRoleSurviveTheKillOfOne() async throws {
        let owner = try #require(AuditTestPostgres.url)
        let app = try #require(AuditTestPostgres.appURL)
        let schema = AuditTestPostgres.newSchema()
        func on(_ url: String) -> String { url + (url.contains("?") ? "&" : "?") + "schema=\(schema)&lease_seconds=2" }
        let directory = temporaryDataDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try await scenario(owner: on(owner), app: on(app), schema: schema, directory: directory)
        } catch {
            await dropSchema(on(owner), schema)
            throw error
        }
        await dropSchema(on(owner), schema)
    }

    func scenario(owner: String, app: String, schema: String, directory: String) async throws {
        // The application role can neither create the schema nor serve before it exists.
        let early = try await runCLI(["keys", "list"], environment: ["AUDITTRAIL_DATABASE_URL": app])
        #expect(early.status != 0)
        #expect(early.output.contains("audittrail migrate"), "\(early.output)")
        let migrated = try await runCLI(["migrate", "--grant", "audittrail_app"], environment: ["AUDITTRAIL_DATABASE_URL": owner])
        #expect(migrated.status == 0, "\(migrated.output)")
        #expect(migrated.output.contains("schema \(schema) is current"), "\(migrated.output)")
        let created = try await runCLI(
            ["keys", "create", "--role", "admin", "--name", "ops", "--secret-only"],
            environment: ["AUDITTRAIL_DATABASE_URL": app]
        )
        #expect(created.status == 0, "\(created.output)")
        let admin = created.output.trimmingCharacters(in: .whitespacesAndNewlines)

        let keyFile = directory + "/shared.key"
        let publicKey = try AuditSigner.loadOrCreate(at: keyFile, name: "shared").publicKey.text
        let arguments = ["--signing-key", keyFile, "--checkpoint-seconds", "0.5"]
        let environment = ["AUDITTRAIL_DATABASE_URL": app]
        let first = try ServerProcess(dataDirectory: directory + "/first", environment: environment, arguments: arguments)
        let second = try ServerProcess(dataDirectory: directory + "/second", environment: environment, arguments: arguments)
        try await first.waitUntilHealthy()
        try await second.waitUntilHealthy()
        #expect(try await second.request("GET", "/readyz").status == 200)

        // Posted to both at once: every acknowledged event is stored once, seqs without gaps.
        let acknowledged = try await withThrowingTaskGroup(of: [(String, Int64, String)].self) { group in
            for (index, server) in [first, second, first, second].enumerated() {
                group.addTask {
                    var mine: [(String, Int64, String)] = []
                    for round in 0..<25 {
                        let body = #"{"action":"data.update","actor":{"id":"w\#(index)"},"metadata":{"n":\#(round)}}"#
                        let response = try await server.request("POST", "/v1/events", key: admin, json: body)
                        guard response.status == 201, case .object(let object)? = try? JSONParser.parse(response.body),
                            let id = object["id"]?.stringValue, let seq = object["seq"]?.int64Value, let hash = object["hash"]?.stringValue
                        else { throw TestFailure("POST answered \(response.status)") }
                        mine.append((id, seq, hash))
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(acknowledged.count == 100)
        #expect(Set(acknowledged.map(\.1)).count == 100)

        await first.stop(signal: SIGKILL)
        for round in 0..<10 {
            let response = try await second.request("POST", "/v1/events", key: admin, json: #"{"action":"data.read","metadata":{"n":\#(round)}}"#)
            #expect(response.status == 201)
        }
        for (id, seq, hash) in acknowledged {
            let response = try await second.request("GET", "/v1/events/\(id)", key: admin)
            #expect(response.status == 200, "event \(id) (seq \(seq)) was acknowledged but is gone")
            if case .object(let object)? = try? JSONParser.parse(response.body) {
                #expect(object["seq"]?.int64Value == seq)
                #expect(object["hash"]?.stringValue == hash)
            }
        }
        // The survivor signs once the dead one's lease has run out (2 s).
        var signed: Int64 = 0
        for _ in 0..<100 where signed < 110 {
            try await Task.sleep(for: .milliseconds(200))
            let latest = try await second.request("GET", "/v1/checkpoints/latest", key: admin)
            if case .object(let object)? = try? JSONParser.parse(latest.body) { signed = object["tree_size"]?.int64Value ?? 0 }
        }
        #expect(signed >= 110, "no checkpoint over the survivor's events:\n\(second.output)")

        await second.stop(signal: SIGTERM)
        let verified = try await runCLI(["verify", "--no-state", "--public-key", publicKey], environment: ["AUDITTRAIL_DATABASE_URL": app])
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.contains("OK"), "\(verified.output)")
        // Both servers stopped: the index is rebuilt from the events, as the application role.
        let reindexed = try await runCLI(["reindex", "--json"], environment: ["AUDITTRAIL_DATABASE_URL": app])
        #expect(reindexed.status == 0, "\(reindexed.output)")
        #expect(reindexed.output.contains(#""ok":true"#) && reindexed.output.contains(#""rows_left":0"#), "\(reindexed.output)")
    }

    /// Drops the test's schema as the owner.
    func dropSchema(_ url: String, _ schema: String) async {
        guard let configuration = try? PostgresAuditStore.Configuration(url: url) else { return }
        try? await PostgresAuditStore.withStore(configuration: configuration, logger: Logger(label: "drop")) { store in
            try await store.dropSchemaForTests(schema)
        }
    }
}
