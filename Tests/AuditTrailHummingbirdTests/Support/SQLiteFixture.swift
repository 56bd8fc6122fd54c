import AuditTrail
import AuditTrailSQLite
import Foundation
import Logging

/// A real SQLite store in a fresh temporary directory, its writer running, and the sink over it;
/// everything removed afterwards.
func withSQLiteSink<T: Sendable>(
    _ body: @Sendable (SQLiteAuditStore, AuditWriter, AuditWriterSink) async throws -> T
) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.path + "/audittrail-hb-test-" + UUID().uuidString.lowercased()
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    let store = try await SQLiteAuditStore.open(configuration: .init(directory: directory), logger: logger)
    let writer = AuditWriter(store: store, logger: logger)
    let result: Result<T, any Error>
    do {
        result = .success(
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await writer.run() }
                defer { group.cancelAll() }
                return try await body(store, writer, AuditWriterSink(writer: writer))
            }
        )
    } catch {
        result = .failure(error)
    }
    // Closed on failure too: SQLiteNIO asserts that a connection is closed before it goes away.
    try await store.close()
    return try result.get()
}

/// Waits until the store's head reaches `seq` (events enqueued fire-and-forget are committed
/// by the writer's next group commit); fails after five seconds.
func waitForHead(_ store: SQLiteAuditStore, atLeast seq: Int64) async throws {
    for _ in 0..<500 {
        if try await store.head().seq >= seq { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw TestFailure("the store's head never reached seq \(seq)")
}
