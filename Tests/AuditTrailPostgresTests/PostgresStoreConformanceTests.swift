import AuditTrail
import AuditTrailPostgres
import AuditTrailTesting
import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The store contract on a real PostgreSQL server: `AUDITTRAIL_TEST_POSTGRES` names it
/// (`postgres://user@127.0.0.1:5432/database`, a role that may create schemas). Without it, when
/// PostgreSQL's programs are installed (Debian's `postgresql`), the tests start a throw-away
/// server with `.ci/postgres.sh` (as `.ci/run` does); otherwise they are skipped, saying why.
/// Each check gets a new schema, dropped when its store closes.
enum PostgresTestServer {
    static let urls: (owner: String, app: String?)? = {
        if let owner = Environment.value("AUDITTRAIL_TEST_POSTGRES") {
            return (owner, Environment.value("AUDITTRAIL_TEST_POSTGRES_APP"))
        }
        return startLocalServer()
    }()
    static var url: String? { urls?.owner }
    static var appURL: String? { urls?.app }
    static var isAvailable: Bool { url != nil }

    /// Runs `.ci/postgres.sh start` (it installs nothing when run from here: PostgreSQL must be
    /// installed) and reads the URLs it prints.
    static func startLocalServer() -> (owner: String, app: String?)? {
        guard (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.isEmpty == false else { return nil }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent(".ci/postgres.sh").path
        guard FileManager.default.fileExists(atPath: script) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, "start"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        var found: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            // export NAME='value'
            guard line.hasPrefix("export "), let equals = line.firstIndex(of: "=") else { continue }
            let name = String(line[line.index(line.startIndex, offsetBy: 7)..<equals])
            found[name] = String(line[line.index(after: equals)...]).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        }
        guard let owner = found["AUDITTRAIL_TEST_POSTGRES"] else { return nil }
        return (owner, found["AUDITTRAIL_TEST_POSTGRES_APP"])
    }

    /// Opens stores in fresh schemas, runs each one's pool in a task, and drops the schema when
    /// the store closes.
    final class Stores: Sendable {
        let running = Mutex<[ObjectIdentifier: (Task<Void, Never>, String)]>([:])
        let edit: @Sendable (inout PostgresAuditStore.Configuration) -> Void

        init(_ edit: @escaping @Sendable (inout PostgresAuditStore.Configuration) -> Void = { _ in }) { self.edit = edit }

        func make() async throws -> PostgresAuditStore {
            var configuration = try PostgresAuditStore.Configuration(url: try #require(PostgresTestServer.url))
            configuration.schema = "test_\(UInt64.random(in: 0...UInt64.max))"
            configuration.maximumConnections = 4
            edit(&configuration)
            var logger = Logger(label: "audittrail.test.postgres")
            logger.logLevel = .warning
            let store = try PostgresAuditStore(configuration: configuration, logger: logger)
            let task = Task { await store.runConnections() }
            running.withLock { $0[ObjectIdentifier(store)] = (task, configuration.schema) }
            do {
                try await store.open()
            } catch {
                try? await close(store)
                throw error
            }
            return store
        }

        func close(_ store: PostgresAuditStore) async throws {
            guard let (task, schema) = running.withLock({ $0.removeValue(forKey: ObjectIdentifier(store)) }) else { return }
            try? await store.dropSchemaForTests(schema)
            store.close()
            task.cancel()
            await task.value
        }
    }
}

extension PostgresTestServer {
    static let unavailable: Comment =
        "no PostgreSQL: set AUDITTRAIL_TEST_POSTGRES to a server's URL, or install Debian's postgresql for the tests to start one"
}

enum Environment {
    static func value(_ name: String) -> String? {
        guard let pointer = getenv(name) else { return nil }
        let text = String(cString: pointer)
        return text.isEmpty ? nil : text
    }
}

@Suite(.enabled(if: PostgresTestServer.isAvailable, PostgresTestServer.unavailable))
struct PostgresStoreConformanceTests {
    @Test(arguments: AuditStoreConformanceCheck.allCases)
    func postgresStoreConforms(_ check: AuditStoreConformanceCheck) async throws {
        let stores = PostgresTestServer.Stores()
        try await AuditStoreConformance(makeStore: stores.make, closeStore: stores.close).run(check)
    }

    /// Index chunks of 16 seqs, persisted while the check appends and queries.
    @Test(arguments: AuditStoreConformanceCheck.allCases)
    func postgresStoreConformsWithSmallChunks(_ check: AuditStoreConformanceCheck) async throws {
        let stores = PostgresTestServer.Stores { $0.indexChunkShift = 4 }
        try await AuditStoreConformance(makeStore: stores.make, closeStore: stores.close).run(check)
    }

    @Test(arguments: AuditCheckpointStoreConformanceCheck.allCases)
    func postgresStoreKeepsAProvableLog(_ check: AuditCheckpointStoreConformanceCheck) async throws {
        let stores = PostgresTestServer.Stores()
        try await AuditCheckpointStoreConformance(makeStore: stores.make, closeStore: stores.close).run(check)
    }

    @Test(arguments: AuditRetentionStoreConformanceCheck.allCases)
    func postgresStoreRemovesKeepingTheProof(_ check: AuditRetentionStoreConformanceCheck) async throws {
        let stores = PostgresTestServer.Stores()
        try await AuditRetentionStoreConformance(makeStore: stores.make, closeStore: stores.close).run(check)
    }

    @Test(arguments: AuditDerivedDataStoreConformanceCheck.allCases)
    func postgresStoreVerifiesItsDerivedData(_ check: AuditDerivedDataStoreConformanceCheck) async throws {
        let stores = PostgresTestServer.Stores()
        try await AuditDerivedDataStoreConformance(makeStore: stores.make, closeStore: stores.close).run(check)
    }

    /// Index chunks of 16 seqs: the check compares dozens of stored chunks and spans.
    @Test(arguments: AuditDerivedDataStoreConformanceCheck.allCases)
    func postgresStoreVerifiesItsDerivedDataWithSmallChunks(_ check: AuditDerivedDataStoreConformanceCheck) async throws {
        let stores = PostgresTestServer.Stores { $0.indexChunkShift = 4 }
        try await AuditDerivedDataStoreConformance(makeStore: stores.make, closeStore: stores.close).run(check)
    }
}

extension PostgresTestServer {
    /// A plain client on `url` (its own pool), run for `body`'s lifetime.
    struct RawClient: Sendable {
        let client: PostgresClient

        func run(_ body: @Sendable (PostgresClient) async throws -> Void) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                try await body(client)
            }
        }
    }

    static func rawClient(_ url: String) async throws -> RawClient {
        let client = PostgresClient(
            configuration: PostgresAuditStore.clientConfiguration(try PostgresAuditStore.Configuration(url: url)),
            backgroundLogger: {
                var logger = Logger(label: "audittrail.test.postgres.raw")
                logger.logLevel = .error  // not "run() hasn't been called yet": the test's own race
                return logger
            }()
        )
        return RawClient(client: client)
    }
}
