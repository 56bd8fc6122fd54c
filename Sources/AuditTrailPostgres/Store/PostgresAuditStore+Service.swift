import AuditTrail
import PostgresNIO
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension PostgresAuditStore: Service {
    /// The store's upkeep while the server runs: every `interval` (or at once when a quarter of
    /// the index's lag limit waits, ``AuditIndexTail/rounds(every:_:)``), the partitions of the
    /// coming months exist and the search index catches up (complete chunks written, so searches on any
    /// instance read them instead of rows); every second, a read of the chain head tells
    /// ``checkReadiness()`` that the database answers, and requests waiting for a connection stop
    /// waiting once it counts as away. Failures are logged and retried the next round. Ends at
    /// graceful shutdown or cancellation.
    public func run() async throws {
        try await run(interval: .seconds(30))
    }

    func run(interval: Duration) async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.watchContact(every: .seconds(1)) }
                group.addTask { await self.abandonWaitsWhileAway(checkingEvery: .milliseconds(250)) }
                group.addTask {
                    await self.maintain()
                    await self.indexTail.rounds(every: interval) { await self.maintain() }
                }
                await group.waitForAll()
            }
        }
    }

    /// One round of upkeep: partitions ahead, the index caught up, and the index rows of chunks
    /// whose every event retention removed deleted (derived data; the events are gone).
    func maintain() async {
        do {
            try await ensurePartitions(covering: AuditTime.now().milliseconds)
            let snapshot = try await indexTail.snapshot(of: self)
            let firstKept = indexGeometry.chunk(snapshot.removedThrough + 1)
            if let oldest = snapshot.stored.first, oldest < firstKept {
                _ = try await transaction("index cleanup") { connection in
                    try await connection.checkedQuery("DELETE FROM \(unescaped: s).index_sets WHERE chunk < \(firstKept)", logger: logger)
                    try await connection.checkedQuery("DELETE FROM \(unescaped: s).index_chunks WHERE chunk < \(firstKept)", logger: logger)
                    let firstSpan = firstKept / Int64(AuditIndexGeometry.spanChunks)
                    try await connection.checkedQuery("DELETE FROM \(unescaped: s).index_spans WHERE span < \(firstSpan)", logger: logger)
                }
            }
        } catch {
            // Shutdown cancels a round in flight: not a failure (the index catches up at the next start).
            guard !Task.isCancelled else { return }
            logger.warning("audit store upkeep failed; retrying next round", metadata: ["error": "\(error)"])
        }
    }
}

/// The host name and process id, for lease holder names.
enum ProcessInfoName {
    static var host: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static var pid: Int32 { getpid() }
}
