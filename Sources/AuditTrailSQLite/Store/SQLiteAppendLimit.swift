import AuditTrail
import Foundation
import NIOPosix

/// SQLite's own append limit on this machine, the reference the ingest benchmark is quoted
/// against: rows shaped like stored events (seq, received_at, a canonical blob of `bytesPerRow`
/// varied bytes, a 32-byte hash; no secondary index, nothing else) inserted with one prepared
/// statement in transactions of `rowsPerTransaction`, through the SQLite this package uses, opened
/// with the store's own pragmas (page size, WAL, `synchronous`, caches) except one: SQLite's
/// default automatic checkpoint (every 1,000 WAL pages), because an append that goes on must copy
/// its pages into the database file too (the store does it on its maintenance thread; without it
/// 1M rows would only ever reach the WAL, a limit no sustained ingest has). What C does
/// (`Benchmarks/sqlite-append-limit.c` is the same loop in C, with SQLite's defaults), measured in
/// the same run as the store's ingest so the two share the machine's mood.
///
/// ```swift
/// let rowsPerSecond = try await SQLiteAppendLimit.measure(path: "/tmp/limit.sqlite", rows: 1_000_000, bytesPerRow: 720)
/// ```
public enum SQLiteAppendLimit {
    /// Rows per second appended into a new database at `path` (removed first, and afterwards).
    public static func measure(
        path: String,
        rows: Int,
        bytesPerRow: Int,
        rowsPerTransaction: Int = 10_000,
        configuration: SQLiteAuditStore.Configuration? = nil
    ) async throws -> Double {
        guard rows > 0, (1...65_536).contains(bytesPerRow), rowsPerTransaction > 0 else {
            throw AuditTrailError.invalid("rows", "must be positive, with 1 to 65536 bytes per row")
        }
        let files = [path, path + "-wal", path + "-shm"]
        for file in files { try? FileManager.default.removeItem(atPath: file) }
        defer { for file in files { try? FileManager.default.removeItem(atPath: file) } }
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        do {
            let rate = try await run(
                path: path,
                rows: rows,
                bytesPerRow: bytesPerRow,
                rowsPerTransaction: rowsPerTransaction,
                configuration: configuration,
                pool: pool
            )
            try await pool.shutdownGracefully()
            return rate
        } catch {
            try? await pool.shutdownGracefully()
            throw error
        }
    }

    private static func run(
        path: String,
        rows: Int,
        bytesPerRow: Int,
        rowsPerTransaction: Int,
        configuration: SQLiteAuditStore.Configuration?,
        pool: NIOThreadPool
    ) async throws -> Double {
        let settings = configuration ?? SQLiteAuditStore.Configuration(directory: (path as NSString).deletingLastPathComponent)
        let connection = try await SQLiteRawConnection.open(path: path, configuration: settings, threadPool: pool, create: true)
        defer { connection.close() }
        return try await connection.perform { db in
            try db.execute("PRAGMA wal_autocheckpoint = 1000")
            try db.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, canonical BLOB NOT NULL, hash BLOB NOT NULL)")
            let insert = try db.prepared("INSERT INTO events (seq, received_at, canonical, hash) VALUES (?, ?, ?, ?)")
            var blob = [UInt8](repeating: 0, count: bytesPerRow)
            var hash = [UInt8](repeating: 0, count: 32)
            var state: UInt64 = 88_172_645_463_325_252
            let start = ContinuousClock.now
            for seq in 1...rows {
                if (seq - 1) % rowsPerTransaction == 0 { try db.execute("BEGIN IMMEDIATE") }
                for index in blob.indices {  // varied bytes, as events are
                    state ^= state << 13
                    state ^= state >> 7
                    state ^= state << 17
                    blob[index] = UInt8(32 + state % 90)
                }
                for index in hash.indices { hash[index] = UInt8(truncatingIfNeeded: state >> UInt64(index % 8)) }
                try db.run(
                    insert,
                    bind: { b in
                        b.integer(1, Int64(seq))
                        b.integer(2, 1_767_571_200_000 + Int64(seq))
                        b.blob(3, blob)
                        b.blob(4, hash)
                    }
                )
                if seq % rowsPerTransaction == 0 || seq == rows { try db.execute("COMMIT") }
            }
            let elapsed = ContinuousClock.now - start
            return Double(rows) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
    }
}
