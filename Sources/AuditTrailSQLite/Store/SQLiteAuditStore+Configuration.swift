import AuditTrail

extension SQLiteAuditStore {
    /// Where the store keeps its files and how it talks to SQLite.
    ///
    /// ```swift
    /// var configuration = SQLiteAuditStore.Configuration(directory: "/var/lib/audittrail")
    /// configuration.synchronous = .normal   // survives a crash of the process, not power loss
    /// let store = try await SQLiteAuditStore.open(configuration: configuration, logger: logger)
    /// ```
    public struct Configuration: Sendable {
        /// The data directory; created (with its parents) if missing. The log is `audit.sqlite` in it.
        public var directory: String
        /// Reader connections for queries, stats and key look-ups. Default 2.
        public var readerCount: Int = 2
        /// How hard a commit waits for the disk. Default ``Synchronous/full``.
        public var synchronous: Synchronous = .full
        /// How long a connection waits for another connection's (or process's) write lock before
        /// failing, in milliseconds. Default 10,000.
        public var busyTimeoutMilliseconds: Int = 10_000
        /// Page cache of the writer connection, in KiB. Default 65,536 (64 MiB).
        public var writerCacheKiB: Int = 65_536
        /// Page cache of each reader connection, in KiB. Default 16,384 (16 MiB).
        public var readerCacheKiB: Int = 16_384
        /// Events per insert chunk. An append of at most this many is one job on the writer thread
        /// (sealing included); a larger one is sealed a chunk at a time while the writer thread
        /// inserts the previous chunk. Default 1,000.
        public var rowsPerInsert: Int = 1000
        /// How often ``SQLiteAuditStore/run()`` indexes what was appended and writes complete index
        /// chunks, in milliseconds (a search does it too, so this only keeps searches from doing
        /// it). Default 1,000.
        public var maintenanceIntervalMilliseconds: Int = 1000
        /// How often ``SQLiteAuditStore/run()`` runs a PASSIVE WAL checkpoint, in milliseconds, so
        /// each copies little. Default 100.
        public var checkpointIntervalMilliseconds: Int = 100
        /// WAL frames after which ``SQLiteAuditStore/run()`` resets the WAL: it syncs the files
        /// itself, outside any SQLite lock, then pauses appends for one `wal_checkpoint(RESTART)`
        /// that has almost nothing left to do. Default 16,384 (256 MiB of 16 KiB pages): each reset
        /// pauses appends for a few milliseconds, so it should be rare.
        public var walResetFrames: Int = 16_384
        /// The nice value of the maintenance thread (merges, checkpoints): positive values let
        /// request handling and appends run first when the cores are busy. Default 10; 0 disables.
        public var maintenanceNice: Int32 = 10

        /// WAL pages after which the writer checkpoints by itself, a safety net for stores opened
        /// without ``SQLiteAuditStore/run()``, which resets the WAL in the background long before
        /// that, off the append path. Default 65,536 (1 GiB of 16 KiB pages).
        public var writerAutoCheckpointPages: Int = 65_536
        /// The page size of a new database file, in bytes (a power of two from 512 to 65,536; an
        /// existing file keeps its own). Default 16,384: the bulk-ingest optimum measured in
        /// PERFORMANCE-NOTES.
        public var pageSize: Int = 16_384
        /// log2 of the seqs per search-index chunk (0…16). Default 16: 65,536 seqs per chunk, the
        /// most a chunk's 16-bit offsets can address. Smaller chunks are for tests (many chunk
        /// boundaries with few events); a file built with another size is rebuilt.
        public var indexChunkShift: Int = 16
        /// Memory for decoded sets and rollups of the index file's chunks, in MiB (they never
        /// change, so what is read once serves later searches). A budget, not a reservation: it
        /// fills only with what searches read. Stats read every chunk's rollup (its size grows
        /// with the chunk's distinct actors), so a large log needs the budget to hold them all.
        /// Default 256; 0 disables the cache.
        public var indexCacheMiB: Int = 256
        /// How many events this process's appends may commit ahead of the search index before an
        /// append waits for it to catch up (back-pressure: a search then waits for at most about
        /// twice this many events to be indexed, at any ingest rate). Default 65,536.
        public var indexLagLimit: Int = AuditIndexTail.defaultLagLimit

        public init(directory: String) { self.directory = directory }

        /// The events database file inside ``directory``.
        public var databasePath: String { file("audit.sqlite") }
        /// The search index's file inside ``directory`` (derived data, rebuilt when it disagrees).
        public var indexPath: String { file("audit-index.sqlite") }

        private func file(_ name: String) -> String {
            directory.hasSuffix("/") ? directory + name : directory + "/" + name
        }
    }

    /// SQLite's `synchronous` setting for the log.
    public struct Synchronous: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case full = "FULL"
            case normal = "NORMAL"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Every commit is fsynced: an acknowledged event survives `kill -9` and power loss.
        public static let full = Synchronous(.full)
        /// The WAL is fsynced only at checkpoints: an acknowledged event survives `kill -9` but
        /// the newest commits may be lost on power loss.
        public static let normal = Synchronous(.normal)

        /// The pragma value (`FULL` or `NORMAL`).
        public var description: String { base.rawValue }
    }
}
