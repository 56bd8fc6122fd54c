import AuditTrail
import AuditTrailHummingbird
import AuditTrailSQLite
import AuditTrailTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Fail-open under a broken store, end to end: the store behind the writer fails, the request
/// still succeeds, the event is spilled to the writer's JSONL fallback, and it reaches the store
/// once the store is back.
@Suite struct BrokenStoreTests {
    @Test func aRequestSucceedsWhileTheStoreIsDownAndItsEventIsStoredLater() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/audittrail-hb-broken-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let sqlite = try await SQLiteAuditStore.open(configuration: .init(directory: directory + "/store"), logger: logger)
        let store = AuditSwitchableAppender(sqlite)
        var configuration = AuditWriter.Configuration()
        configuration.commitRetries = 0
        var fallback = AuditWriter.Configuration.Fallback(directory: directory + "/fallback")
        fallback.retryInterval = .milliseconds(10)
        fallback.maximumRetryInterval = .milliseconds(50)
        configuration.fallback = fallback
        let writer = AuditWriter(store: store, configuration: configuration, logger: logger)

        let router = Router(context: UserContext.self)
        router.add(middleware: AuditMiddleware(sink: AuditWriterSink(writer: writer)))
        router.post("/orders") { _, _ in Response(status: .created) }

        store.setDown(true)
        let result: Result<Void, any Error>
        do {
            result = .success(
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await writer.run() }
                    defer { group.cancelAll() }
                    try await withApp(router) { client in
                        let response = try await client.executeRequest(uri: "/orders", method: .post, headers: [:], body: nil)
                        #expect(response.status == .created)
                    }
                    // Spilled: a day file appears in the fallback while the store refuses.
                    try await waitFor {
                        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/fallback")) ?? []
                        return names.contains { $0.hasPrefix("events-") }
                    }
                    #expect(try await sqlite.head().seq == 0)
                    #expect(store.refused >= 1)

                    store.setDown(false)
                    try await waitForHead(sqlite, atLeast: 1)
                    let events = try await sqlite.events(matching: AuditQuery(parameters: [("order", "asc")])).events.map { try $0.decoded() }
                    #expect(events.map(\.action) == ["data.create"])
                    #expect(events.first?.request?.path == "/orders")
                }
            )
        } catch {
            result = .failure(error)
        }
        try await sqlite.close()
        try result.get()
    }

    private func waitFor(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }
}
