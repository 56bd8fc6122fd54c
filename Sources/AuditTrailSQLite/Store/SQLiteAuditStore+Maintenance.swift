import AuditTrail
import Logging
import NIOPosix
import SQLiteNIO
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SQLiteAuditStore {
    /// Background maintenance until graceful shutdown, on its own connection and thread (nice
    /// ``Configuration/maintenanceNice``), in two loops: every `checkpointIntervalMilliseconds` a
    /// PASSIVE WAL checkpoint (each copies little) and a WAL reset when it has grown past
    /// `walResetFrames`; and every `maintenanceIntervalMilliseconds`, or at once when a quarter of
    /// the index's lag limit waits (``AuditIndexTail/rounds(every:_:)``), the search index catches
    /// up with the appends and writes its complete chunks (first building any chunk the index
    /// file lacks). The writer therefore never checkpoints by itself under load, and appends
    /// wait for the index only when it falls a whole lag limit behind.
    public func run() async throws {
        let checkpointEvery = Duration.milliseconds(max(10, configuration.checkpointIntervalMilliseconds))
        let indexEvery = Duration.milliseconds(max(10, configuration.maintenanceIntervalMilliseconds))
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await self.indexInBackground()
                    // Right after a start, stats would read every chunk's rollup from the file.
                    await self.warmRollups()
                    await self.indexTail.rounds(every: indexEvery) { await self.indexInBackground() }
                }
                group.addTask {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: checkpointEvery) } catch { break }
                        await self.checkpoint()
                    }
                }
                await group.waitForAll()
            }
        }
    }

    /// Reads the stored chunks' rollups into the cache, newest first, while they take at most
    /// half its budget: stats right after a start then add cached numbers instead of reading the
    /// file. Failures only leave the cache colder.
    func warmRollups() async {
        guard !isClosed, indexCache.budget > 0 else { return }
        do {
            let snapshot = try await indexSnapshot()
            var bytes = 0
            for chunk in snapshot.stored.reversed() where !isClosed {
                guard let rollup = try await snapshot.rollup(chunk: chunk) else { continue }
                bytes += AuditIndexCache.size(rollup)
                if bytes > indexCache.budget / 2 { break }
            }
        } catch {
            logger.debug("audit index rollups not preloaded", metadata: ["error": "\(error)"])
        }
    }

    /// One round of indexing for `run()`: the index catches up, and the chunks whose every event
    /// retention removed leave the index file. Failures are logged and retried next round.
    func indexInBackground() async {
        guard !isClosed else { return }
        do {
            let snapshot = try await indexSnapshot()
            let firstKept = indexGeometry.chunk(snapshot.removedThrough + 1)
            if let oldest = snapshot.stored.first, oldest < firstKept {
                try await indexGate.withLock {
                    do {
                        try await indexWriter.perform { try $0.deleteChunks(below: firstKept) }
                    } catch {
                        throw storeFailure("index cleanup", error)
                    }
                }
            }
        } catch {
            let cause = (error as? AuditTrailError)?.underlying ?? error
            if cause is CancellationError || Task.isCancelled || isClosed { return }
            logger.warning("audit index catch-up failed; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Runs `body` on the maintenance connection (one caller at a time).
    func maintain<T>(_ operation: String, _ body: (SQLiteConnection) async throws -> T) async throws -> T {
        guard !isClosed else { throw AuditTrailError(.storeFailure, "the SQLite store is closed") }
        do {
            return try await maintenance.withConnection(body)
        } catch {
            throw storeFailure(operation, error)
        }
    }

    /// What one ``checkpointWAL()`` did.
    public struct WALCheckpoint: Sendable, Equatable {
        /// Frames in the WAL before (a reset starts it over).
        public var frames: Int
        /// Whether the WAL was past `walResetFrames` and was started over.
        public var reset: Bool
    }

    /// One PASSIVE checkpoint, then a WAL reset if the WAL is past `walResetFrames` (what `run()`
    /// does every `checkpointIntervalMilliseconds`).
    @discardableResult
    public func checkpointWAL() async throws -> WALCheckpoint {
        let frames = try await passiveCheckpoint()
        guard frames >= max(1, configuration.walResetFrames) else { return WALCheckpoint(frames: frames, reset: false) }
        return WALCheckpoint(frames: frames, reset: try await resetWAL())
    }

    /// The most frames the index file's WAL grows to before a reset is tried: 1,024 (16 MiB of
    /// 16 KiB pages), or `walResetFrames` when lower.
    static let indexWALResetFrames = 1024

    /// The same for the index file (`audit-index.sqlite`): a PASSIVE checkpoint, and a reset past
    /// ``indexWALResetFrames`` that waits at most 20 ms for readers (retried next round). Its writer
    /// commits a chunk at a time and would checkpoint by itself only past
    /// `writerAutoCheckpointPages` (1 GiB), and with readers always active the WAL then never
    /// starts over: the soak saw it grow to 140 MiB in 30 minutes with a 16 KiB database file.
    /// Off the append path: it holds only the index writer, between chunk merges.
    @discardableResult
    public func checkpointIndexWAL() async throws -> WALCheckpoint {
        guard !isClosed else { throw AuditTrailError(.storeFailure, "the SQLite store is closed") }
        // A lower bar than the events' WAL: a reset here pauses no append, and with readers
        // always active only a reset keeps the file from growing.
        let resetFrames = max(1, min(configuration.walResetFrames, Self.indexWALResetFrames))
        let restore = configuration.busyTimeoutMilliseconds
        let result = try await indexGate.withLock {
            do {
                return try await indexWriter.perform {
                    try $0.checkpointWAL(resetFrames: resetFrames, busyMilliseconds: 20, restoreBusyMilliseconds: restore)
                }
            } catch {
                throw storeFailure("index checkpoint", error)
            }
        }
        return WALCheckpoint(frames: result.frames, reset: result.reset)
    }

    /// ``checkpointWAL()`` and ``checkpointIndexWAL()`` for `run()`: failures are logged, never
    /// thrown (the next round tries again).
    func checkpoint() async {
        guard !isClosed else { return }
        do {
            try await checkpointWAL()
        } catch {
            logger.debug("audit store checkpoint skipped", metadata: ["error": "\(String(describing: type(of: error)))"])
        }
        guard !isClosed else { return }
        do {
            try await checkpointIndexWAL()
        } catch {
            logger.debug("audit index checkpoint skipped", metadata: ["error": "\(String(describing: type(of: error)))"])
        }
    }

    /// A PASSIVE checkpoint; returns the frames in the WAL.
    private func passiveCheckpoint() async throws -> Int {
        try await maintain("checkpoint") { connection in
            let row = try await connection.query("PRAGMA main.wal_checkpoint(PASSIVE)").first
            return Int(row?.int64("log") ?? 0)
        }
    }

    /// Starts the WAL over without stalling appends (PERFORMANCE-NOTES, "Bounding the WAL without a
    /// stall"): a PASSIVE checkpoint that does not reach the end of the WAL never syncs the database
    /// file, so the first complete checkpoint would pay for seconds of unsynced pages while it holds
    /// the lock. The files are synced here first, outside any SQLite lock, with appends running; then
    /// one more PASSIVE and sync; then appends pause for a `wal_checkpoint(RESTART)` that has almost
    /// nothing left to copy or sync, with a short busy timeout so a long reader makes it give up
    /// (and retry next round) rather than hold appends.
    private func resetWAL() async throws -> Bool {
        let start = ContinuousClock.now
        try await fileSync.sync(on: maintenanceThreadPool)
        _ = try await passiveCheckpoint()
        try await fileSync.sync(on: maintenanceThreadPool)
        let pauseStart = ContinuousClock.now
        let busy = try await appendGate.withLock {
            try await maintain("WAL reset") { connection -> Int64 in
                try await connection.execute("PRAGMA busy_timeout = 20")
                let restoreTimeout = "PRAGMA busy_timeout = \(max(0, self.configuration.busyTimeoutMilliseconds))"
                do {
                    let busy = try await connection.query("PRAGMA main.wal_checkpoint(RESTART)").first?.int64("busy") ?? 1
                    try await connection.execute(restoreTimeout)
                    return busy
                } catch {
                    try? await connection.execute(restoreTimeout)
                    throw error
                }
            }
        }
        let end = ContinuousClock.now
        logger.debug(
            "audit WAL reset",
            metadata: [
                "audit.wal.reset": busy == 0 ? "done" : "busy, retried later",
                "audit.wal.duration": "\(end - start)", "audit.wal.append_pause": "\(end - pauseStart)",
            ]
        )
        return busy == 0
    }

    /// Lowers the priority of the (one) thread of `pool`. On Linux the nice value is per thread,
    /// so `setpriority(PRIO_PROCESS, 0, …)` on that thread affects it alone.
    static func lowerPriority(of pool: NIOThreadPool, to nice: Int32, logger: Logger) async throws {
        #if os(Linux)
        guard nice != 0 else { return }
        let failed = try await pool.runIfActive { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) != 0 }
        if failed { logger.debug("audit store maintenance thread keeps its priority", metadata: ["audit.nice": "\(nice)"]) }
        #endif
    }
}
