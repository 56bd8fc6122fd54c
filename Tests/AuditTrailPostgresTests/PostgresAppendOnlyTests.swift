import AuditTrail
import AuditTrailPostgres
import AuditTrailTesting
import Logging
import PostgresNIO
import Testing

/// What the database itself refuses, whoever connects: the application role has no privilege to
/// change the log, and even the owner's `UPDATE`, `DELETE` and `TRUNCATE` hit the triggers.
@Suite(.enabled(if: PostgresTestServer.isAvailable, PostgresTestServer.unavailable))
struct PostgresAppendOnlyTests {
    static let events = (0..<5).map { AuditEventInput(action: "document.read", actor: .init(id: "u-\($0)")) }

    @Test func theLogsTablesRefuseChangesToTheOwnerAndTheApplicationRole() async throws {
        let stores = PostgresTestServer.Stores()
        let store = try await stores.make()
        do {
            let validator = AuditEventValidator()
            _ = try await store.append(Self.events.map { try validator.prepare($0) })
            let root = try await store.root(size: 5)
            #expect(try await store.storeCheckpoint(AuditStoredCheckpoint(treeSize: 5, rootHash: root, time: .now(), note: "test")))
            let schema = store.schemaName
            try await store.grant(to: "audittrail_app")

            // The owner: the triggers refuse.
            let owner = try await PostgresTestServer.rawClient(PostgresTestServer.url!)
            try await owner.run { client in
                for statement in [
                    "UPDATE \(schema).events SET action = 'x.y' WHERE seq = 2",
                    "DELETE FROM \(schema).events WHERE seq = 2",
                    "TRUNCATE \(schema).events",
                    "UPDATE \(schema).merkle_nodes SET hash = hash",
                    "DELETE FROM \(schema).checkpoints",
                    "UPDATE \(schema).log_info SET value = 'x'",
                ] {
                    await #expect(throws: PSQLError.self, "\(statement)") {
                        try await client.query(PostgresQuery(unsafeSQL: statement))
                    }
                }
            }
            // The application role: no privilege at all (and no way to create or drop partitions but through the functions).
            if let appURL = PostgresTestServer.appURL {
                let app = try await PostgresTestServer.rawClient(appURL)
                try await app.run { client in
                    for statement in [
                        "UPDATE \(schema).events SET action = 'x.y' WHERE seq = 2",
                        "DELETE FROM \(schema).events WHERE seq = 2",
                        "TRUNCATE \(schema).events",
                        "DELETE FROM \(schema).merkle_nodes",
                        "DROP TABLE \(schema).events",
                        "CREATE TABLE \(schema).events_2000_01 PARTITION OF \(schema).events FOR VALUES FROM (0) TO (1)",
                    ] {
                        await #expect(throws: PSQLError.self, "\(statement)") {
                            try await client.query(PostgresQuery(unsafeSQL: statement))
                        }
                    }
                    // It may read, and call the functions (which check what they may do).
                    _ = try await client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(schema).events")).collect()
                    _ = try await client.query(PostgresQuery(unsafeSQL: "SELECT \(schema).delete_removed_events(0)")).collect()
                }
            }
            #expect(try await store.rows(after: 0, limit: 10).count == 5)
        } catch {
            try? await stores.close(store)
            throw error
        }
        try await stores.close(store)
    }

    /// Two instances (two stores, two pools) appending to one log at once: seqs 1…n with no gap,
    /// one chain, one tree, and each instance's searches see the other's events.
    @Test func twoInstancesAppendToOneLog() async throws {
        let stores = PostgresTestServer.Stores()
        let first = try await stores.make()
        do {
            var configuration = try PostgresAuditStore.Configuration(url: PostgresTestServer.url!)
            configuration.schema = first.schemaName
            configuration.maximumConnections = 4
            let second = try PostgresAuditStore(configuration: configuration, logger: Logger(label: "second"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await second.runConnections() }
                try await second.open()
                let validator = AuditEventValidator()
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    for (index, store) in [first, second, first, second].enumerated() {
                        writers.addTask {
                            for round in 0..<20 {
                                let batch = (0..<7).map { AuditEventInput(action: "item.created", actor: .init(id: "w\(index)-\(round)-\($0)")) }
                                _ = try await store.append(batch.map { try validator.prepare($0) })
                            }
                        }
                    }
                    try await writers.waitForAll()
                }
                let head = try await second.head()
                #expect(head.seq == 4 * 20 * 7)
                var verifier = AuditChainVerifier(start: try await first.chainStart())
                var after: Int64 = 0
                while true {
                    let rows = try await first.rows(after: after, limit: 100)
                    guard let last = rows.last else { break }
                    for row in rows { #expect(verifier.check(row) == nil) }
                    after = last.seq
                }
                #expect(after == head.seq)
                let root = try await first.root(size: head.seq)
                #expect(try await second.root(size: head.seq) == root)
                var query = AuditQuery()
                query.actor = "w1-19-6"
                let seenByFirst = try await first.events(matching: query).events.map(\.seq)
                #expect(seenByFirst.count == 1)
                second.close()
                group.cancelAll()
            }
        } catch {
            try? await stores.close(first)
            throw error
        }
        try await stores.close(first)
    }
}
