import AuditTrail
import AuditTrailPostgres
import AuditTrailTesting
import Foundation
import PostgresNIO
import Synchronization
import Testing

/// Retention by partition: a month whose every event is past the cutoff goes as one `DROP` of its
/// partition, after the anchor that proves the rest is recorded; the rows of later months stay,
/// and the chain verifies from the anchor.
@Suite(.enabled(if: PostgresTestServer.isAvailable, PostgresTestServer.unavailable))
struct PostgresPartitionRetentionTests {
    @Test func anExpiredMonthGoesAsOnePartitionAfterItsAnchor() async throws {
        // Appends are received when the test says (nil: now).
        let receipt = Mutex<Int64?>(nil)
        let stores = PostgresTestServer.Stores { configuration in
            configuration.receiptClock = { receipt.withLock { $0 }.map(AuditTime.init(milliseconds:)) ?? .now() }
        }
        let store = try await stores.make()
        do {
            let schema = store.schemaName
            // Two months back: the application only ever asks for the months ahead, so the owner
            // makes that month's partition, as a log migrated from elsewhere would have it.
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let thisMonth = calendar.date(from: calendar.dateComponents([.year, .month], from: Date()))!
            let oldStart = calendar.date(byAdding: .month, value: -2, to: thisMonth)!
            let oldEnd = calendar.date(byAdding: .month, value: 1, to: oldStart)!
            let parts = calendar.dateComponents([.year, .month], from: oldStart)
            let partition = String(format: "events_%04d_%02d", parts.year!, parts.month!)
            let (startMS, endMS) = (Int64(oldStart.timeIntervalSince1970 * 1000), Int64(oldEnd.timeIntervalSince1970 * 1000))
            let url = try #require(PostgresTestServer.url)
            try await PostgresTestServer.rawClient(url).run { client in
                _ = try await client.query(
                    PostgresQuery(
                        unsafeSQL: "CREATE TABLE \(schema).\(partition) PARTITION OF \(schema).events FOR VALUES FROM (\(startMS)) TO (\(endMS))"
                    )
                ).collect()
            }

            let validator = AuditEventValidator()
            let old = try (0..<30).map { try validator.prepare(AuditEventInput(action: "document.read", actor: .init(id: "old-\($0)"))) }
            let oldID = old[7].event.id
            receipt.withLock { $0 = startMS + 86_400_000 }
            _ = try await store.append(old)
            receipt.withLock { $0 = nil }
            _ = try await store.append(
                (0..<20).map { try validator.prepare(AuditEventInput(action: "document.read", actor: .init(id: "new-\($0)"))) }
            )
            #expect(try await partitionExists(partition, in: schema, url))

            // A limit of 5 rows, but the whole month is expired: the anchor covers all of it.
            let anchor = try await store.removeOldestEvents(through: 50, receivedBefore: AuditTime(milliseconds: endMS), limit: 5, at: .now())
            #expect(anchor?.seq == 30)
            #expect(try await !partitionExists(partition, in: schema, url))
            #expect(try await store.rows(after: 0, limit: 100).map(\.seq) == Array(31...50))
            #expect(try await store.event(id: oldID) == nil)
            #expect(try await store.chainStart().seq == 30)
            #expect(try await store.verifyChain().ok)
            #expect(try await store.head().seq == 50)
            // Later months are not touched by a cutoff they are not past.
            #expect(try await store.removeOldestEvents(through: 50, receivedBefore: AuditTime(milliseconds: endMS), limit: 5, at: .now()) == nil)
        } catch {
            try? await stores.close(store)
            throw error
        }
        try await stores.close(store)
    }

    private func partitionExists(_ name: String, in schema: String, _ url: String) async throws -> Bool {
        let found = Mutex<Bool>(false)
        try await PostgresTestServer.rawClient(url).run { client in
            let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT to_regclass('\(schema).\(name)') IS NOT NULL"))
            for try await exists in rows.decode(Bool.self) { found.withLock { $0 = exists } }
        }
        return found.withLock { $0 }
    }
}
