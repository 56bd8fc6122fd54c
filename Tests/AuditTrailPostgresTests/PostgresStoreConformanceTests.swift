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

/// The store contract on a real PostgreSQL server (``AuditTestPostgres``: `AUDITTRAIL_TEST_POSTGRES`,
/// else a throw-away server started by `.ci/postgres.sh`, else skipped). Each check gets a new
/// schema, dropped when its store closes.
enum PostgresTestServer {
    static var url: String? { AuditTestPostgres.url }
    static var appURL: String? { AuditTestPostgres.appURL }
    static var isAvailable: Bool { AuditTestPostgres.isAvailable }
    static var unavailable: Comment { AuditTestPostgres.unavailable }

    /// Opens stores in fresh schemas, runs each one's pool in a task, and drops the schema when
    /// the store closes.
    final class Stores: Sendable {
        let running = Mutex<[ObjectIdentifier: (Task<Void, Never>, String)]>([:])
        let edit: @Sendable (inout PostgresAuditStore.Configuration) -> Void

        init(_ edit: @escaping @Sendable (inout PostgresAuditStore.Configuration) -> Void = { _ in }) { self.edit = edit }

        func make() async throws -> PostgresAuditStore {
            var configuration = try PostgresAuditStore.Configuration(url: try #require(PostgresTestServer.url))
            configuration.schema = AuditTestPostgres.newSchema()
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

    /// The index's lag bound: appends wait for the index past it (the SQLite store's check).
    @Test func postgresAppendsWaitForTheIndexPastTheLagLimit() async throws {
        let stores = PostgresTestServer.Stores {
            $0.indexLagLimit = 50
            $0.indexChunkShift = 4
        }
        try await AuditIndexLagConformance(makeStore: stores.make, closeStore: stores.close).run()
    }

    /// Searches running all the time while events are appended: none is read back.
    @Test func postgresAppendedRowsAreNeverReadBackBySearches() async throws {
        let stores = PostgresTestServer.Stores()
        try await AuditIndexLagConformance(makeStore: stores.make, closeStore: stores.close).runReadBack()
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
