import AuditTrail
import Logging
import NIOCore
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

/// The embedded audit log: one SQLite database file in WAL mode, with one writer connection used
/// only by ``append(_:)`` (appends run one at a time), a small pool of reader connections, and
/// one connection on its own thread for API keys (authentication never waits behind searches).
///
/// The events table stores each event's canonical bytes and chain hash verbatim, plus the columns
/// queries filter on; triggers make the database itself refuse `UPDATE` on it, and `DELETE` except
/// of rows at or below a recorded retention anchor (see `SQLiteAuditStore+Retention.swift`).
/// The search index (``AuditIndexSearch`` over per-chunk sets, see `SQLiteIndexFile`) lives in
/// `audit-index.sqlite`, derived from the events and rebuilt from them when missing; its newest
/// chunk is kept in memory (``AuditIndexTail``). Everything works without ``run()`` (a CLI
/// opening the directory for one command); `run()` adds WAL checkpoints and keeps the index's
/// memory small. Several processes may open one directory: one appends events, any may write keys.
///
/// ```swift
/// let store = try await SQLiteAuditStore.open(configuration: .init(directory: "data"), logger: logger)
/// let writer = AuditWriter(store: store, logger: logger)
/// // ServiceGroup(services: [store, writer, server], …)
/// ```
public final class SQLiteAuditStore: AuditStore, AuditKeyStore, Service, Sendable {
    let configuration: Configuration
    let logger: Logger
    /// The append connection (its own one-thread pool); touched only under `appendGate`.
    let eventWriter: SQLiteRawConnection
    let appendGate = AuditSerialGate()
    /// One index merge at a time in this process (another process's merge conflicts and retries).
    let mergeGate = AuditSerialGate()
    let readers: SQLiteConnectionPool<SQLiteConnection>
    /// The connection of key lookups and key writes, on its own thread (`keyThreadPool`): four
    /// slow searches fill the reader threads, and every request with an uncached key would wait
    /// behind them.
    let keyReader: SQLiteConnectionPool<SQLiteConnection>
    let keyThreadPool: NIOThreadPool
    /// Raw read-only handles (on the reader threads) for the scans that verification makes.
    let scanners: SQLiteConnectionPool<SQLiteRawConnection>
    /// Raw read-only handles on the events file with the index file attached (`ix`), for searches.
    let searchers: SQLiteConnectionPool<SQLiteRawConnection>
    /// The index file's writer (on the maintenance thread), used under `indexGate`.
    let indexWriter: SQLiteRawConnection
    let indexGate = AuditSerialGate()
    /// The index's newest chunks, in memory.
    package let indexTail: AuditIndexTail
    package let indexGeometry: AuditIndexGeometry
    /// Set once every chunk below the in-memory ones is known to be in the index file.
    let indexBuilt = Mutex(false)
    /// While chunks the index file lacks are being built (after an upgrade, a deleted index file,
    /// or a log written without its service): how many of how many are done.
    let indexBuilding = Mutex<(done: Int, of: Int)?>(nil)
    /// Decoded sets of stored chunks (which never change).
    package let indexCache: AuditIndexCache
    let readerThreadPool: NIOThreadPool
    /// The connection of `run()`'s merges and checkpoints, on its own (lower priority) thread.
    let maintenance: SQLiteConnectionPool<SQLiteConnection>
    let maintenanceThreadPool: NIOThreadPool
    /// Descriptors used to sync the files before a WAL reset.
    let fileSync: SQLiteFileSync
    /// The newest committed row as this process last saw it, checked against the database at
    /// the start of every append.
    let cachedHead: Mutex<AuditChainHead?>
    /// The Merkle tree builder at the last committed append (nil until the first one loads it).
    let merkleBuilder = Mutex<AuditMerkleTreeBuilder?>(nil)
    private let closed = Mutex(false)

    /// The chain position of the newest row, with its receipt time (for monotonic `received_at`).
    struct SQLiteHead: Sendable, Equatable {
        var seq: Int64
        /// Nil when the stored hash is not 32 bytes: the store still opens (so that it can be
        /// read and verified), but ``chainHead()`` and appends refuse it.
        var hash: AuditHash?
        var receivedAt: Int64
        static let empty = SQLiteHead(seq: 0, hash: AuditChain.genesis, receivedAt: 0)

        /// The chain position; `code` (`.tampered` for a read, `.storeFailure` for an append)
        /// when the stored hash is not 32 bytes.
        func chainHead(_ code: AuditTrailError.Code) throws(AuditTrailError) -> AuditChainHead {
            guard let hash else { throw AuditTrailError(code, "the chain head's hash is not 32 bytes", seq: seq) }
            return AuditChainHead(seq: seq, hash: hash)
        }
    }

    private init(
        configuration: Configuration,
        logger: Logger,
        eventWriter: SQLiteRawConnection,
        readers: SQLiteConnectionPool<SQLiteConnection>,
        keyReader: SQLiteConnectionPool<SQLiteConnection>,
        keyThreadPool: NIOThreadPool,
        scanners: SQLiteConnectionPool<SQLiteRawConnection>,
        searchers: SQLiteConnectionPool<SQLiteRawConnection>,
        indexWriter: SQLiteRawConnection,
        indexTail: AuditIndexTail,
        readerThreadPool: NIOThreadPool,
        maintenance: SQLiteConnectionPool<SQLiteConnection>,
        maintenanceThreadPool: NIOThreadPool,
        head: SQLiteHead
    ) {
        self.configuration = configuration
        self.logger = logger
        self.eventWriter = eventWriter
        self.readers = readers
        self.keyReader = keyReader
        self.keyThreadPool = keyThreadPool
        self.scanners = scanners
        self.searchers = searchers
        self.indexWriter = indexWriter
        self.indexTail = indexTail
        self.indexGeometry = AuditIndexGeometry(shift: configuration.indexChunkShift)
        self.indexCache = AuditIndexCache(budget: configuration.indexCacheMiB << 20)
        self.readerThreadPool = readerThreadPool
        self.maintenance = maintenance
        self.maintenanceThreadPool = maintenanceThreadPool
        self.fileSync = SQLiteFileSync(paths: [configuration.databasePath, configuration.databasePath + "-wal"])
        self.cachedHead = Mutex(head.hash.map { AuditChainHead(seq: head.seq, hash: $0) })
    }

    /// Opens (creating if needed) the log in `configuration.directory`, applies migrations and
    /// reads the chain head.
    public static func open(configuration: Configuration, logger: Logger) async throws -> SQLiteAuditStore {
        guard (512...65_536).contains(configuration.pageSize), configuration.pageSize.nonzeroBitCount == 1 else {
            throw AuditTrailError.invalid("page_size", "must be a power of two from 512 to 65536")
        }
        try makePrivateFiles(configuration, logger: logger)
        let path = configuration.databasePath
        let writerPool = NIOThreadPool(numberOfThreads: 1)
        writerPool.start()
        let readerPool = NIOThreadPool(numberOfThreads: max(1, configuration.readerCount))
        readerPool.start()
        let maintenancePool = NIOThreadPool(numberOfThreads: 1)
        maintenancePool.start()
        let keyPool = NIOThreadPool(numberOfThreads: 1)
        keyPool.start()
        var keyConnection: SQLiteConnection?
        var opened: [SQLiteConnection] = []
        var maintenance: SQLiteConnection?
        var scanners: [SQLiteRawConnection] = []
        var searchers: [SQLiteRawConnection] = []
        var eventWriter: SQLiteRawConnection?
        var indexWriter: SQLiteRawConnection?
        do {
            // Creates the file (`pageSize` pages, WAL) and migrates it; appends then use their own handle.
            let setup = try await connect(path, writerPool, logger, configuration, cacheKiB: 1024)
            opened.append(setup)
            let writer = try await SQLiteRawConnection.open(path: path, configuration: configuration, threadPool: writerPool)
            eventWriter = writer
            // A store of chain format 0 is verified before its schema changes (and refused if it fails).
            let verified = try await writer.perform { try SQLiteChainMigration.verifyBeforeSchemaMigration($0) }
            try await SQLiteSchema.migrate(setup, logger: logger)
            for _ in 0..<max(1, configuration.readerCount) {
                opened.append(try await connect(path, readerPool, logger, configuration, cacheKiB: configuration.readerCacheKiB))
            }
            maintenance = try await connect(path, maintenancePool, logger, configuration, cacheKiB: configuration.readerCacheKiB)
            keyConnection = try await connect(path, keyPool, logger, configuration, cacheKiB: 1024)
            try await lowerPriority(of: maintenancePool, to: configuration.maintenanceNice, logger: logger)
            opened.removeFirst()
            try await setup.closeToCompletion()
            let migrated = try await writer.perform { try SQLiteChainMigration.run($0, logger: logger, verified: verified) }
            let head = try await writer.perform { try $0.readHead() }
            for _ in 0..<Self.scannerCount {
                scanners.append(try await SQLiteRawConnection.open(path: path, configuration: configuration, threadPool: readerPool, readOnly: true))
            }
            // The search index: its file (created, or emptied when it describes another log), the
            // searchers that read it with the events, and the newest chunk in memory.
            let geometry = AuditIndexGeometry(shift: configuration.indexChunkShift)
            let logID = try await writer.perform { try $0.logID() }
            let indexFile = try await SQLiteRawConnection.open(
                path: configuration.indexPath,
                configuration: configuration,
                threadPool: maintenancePool,
                create: true,
                walResetFrames: min(configuration.walResetFrames, Self.indexWALResetFrames)
            )
            indexWriter = indexFile
            let stored = try await indexFile.perform { file in
                try file.execute("PRAGMA synchronous = NORMAL")  // derived data: rebuilt if lost
                return try file.prepareIndexFile(logID: logID, geometry: geometry, head: head.seq)
            }
            for _ in 0..<max(1, configuration.readerCount) {
                let searcher = try await SQLiteRawConnection.open(path: path, configuration: configuration, threadPool: readerPool, readOnly: true)
                searchers.append(searcher)
                try await searcher.perform { try $0.attachIndex(configuration.indexPath) }
            }
            // The head's chunk starts in memory (unless it is complete and stored); chunks below
            // it that the file lacks are built from the events before the first search.
            let headChunk = head.seq == 0 ? 0 : geometry.chunk(head.seq)
            let headStored = head.seq > 0 && stored.contains(headChunk)
            let tail = AuditIndexTail(
                memoryFrom: headStored ? headChunk + 1 : headChunk,
                indexedThrough: headStored ? head.seq : geometry.seqs(headChunk).lowerBound - 1,
                lagLimit: configuration.indexLagLimit
            )
            logger.debug("audit store opened", metadata: ["audit.store.path": "\(path)", "audit.chain.seq": "\(head.seq)"])
            let store = SQLiteAuditStore(
                configuration: configuration,
                logger: logger,
                eventWriter: eventWriter!,
                readers: SQLiteConnectionPool(connections: opened),
                keyReader: SQLiteConnectionPool(connections: [keyConnection!]),
                keyThreadPool: keyPool,
                scanners: SQLiteConnectionPool(connections: scanners, close: { await $0.closeToCompletion() }),
                searchers: SQLiteConnectionPool(connections: searchers, close: { await $0.closeToCompletion() }),
                indexWriter: indexFile,
                indexTail: tail,
                readerThreadPool: readerPool,
                maintenance: SQLiteConnectionPool(connections: [maintenance!]),
                maintenanceThreadPool: maintenancePool,
                head: head
            )
            do {
                if let migrated { try await store.recordChainMigration(migrated) }
                // Chunks the index file lacks are not built here: opening (and so ingest after a
                // restart) never waits for derived data. The store's service builds them first
                // thing (``run()``), and a search before that waits for them (the index gate); a
                // store without its service (the CLI) builds them at its first search.
            } catch {
                try? await store.close()
                throw error
            }
            return store
        } catch {
            for connection in opened { try? await connection.closeToCompletion() }
            try? await maintenance?.closeToCompletion()
            try? await maintenancePool.shutdownGracefully()
            try? await keyConnection?.closeToCompletion()
            try? await keyPool.shutdownGracefully()
            await eventWriter?.closeToCompletion()
            for scanner in scanners + searchers { await scanner.closeToCompletion() }
            await indexWriter?.closeToCompletion()
            try? await writerPool.shutdownGracefully()
            try? await readerPool.shutdownGracefully()
            throw storeFailure("open", error)
        }
    }

    static func connect(
        _ path: String,
        _ pool: NIOThreadPool,
        _ logger: Logger,
        _ configuration: Configuration,
        cacheKiB: Int
    ) async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path),
            threadPool: pool,
            logger: logger,
            on: MultiThreadedEventLoopGroup.singleton.any()
        )
        do {
            // Replaces SQLiteNIO's spinning busy handler with SQLite's sleeping one, bounded.
            try await connection.execute("PRAGMA busy_timeout = \(max(0, configuration.busyTimeoutMilliseconds))")
            try await connection.execute("PRAGMA page_size = \(configuration.pageSize)")
            try await connection.execute("PRAGMA journal_mode = WAL")
            try await connection.execute("PRAGMA synchronous = \(configuration.synchronous)")
            try await connection.execute("PRAGMA cache_size = -\(max(1024, cacheKiB))")
            try await connection.execute("PRAGMA temp_store = MEMORY")
            return connection
        } catch {
            try? await connection.closeToCompletion()
            throw error
        }
    }

    static func readHead(_ connection: SQLiteConnection) async throws -> SQLiteHead {
        let rows = try await connection.query("SELECT seq, hash, received_at FROM events ORDER BY seq DESC LIMIT 1")
        guard let row = rows.first, let seq = row.int64("seq"), let received = row.int64("received_at") else { return .empty }
        return SQLiteHead(seq: seq, hash: row.hash("hash"), receivedAt: received)
    }

    /// Creates the data directory with mode 0700 and the store's two database files with mode
    /// 0600 before SQLite opens them (SQLite gives a database's `-wal` and `-shm` files the mode
    /// of the database file); tightens any of them, and an existing `-wal`/`-shm`, that group or
    /// others may read (``AuditPrivateFiles``, with a warning).
    static func makePrivateFiles(_ configuration: Configuration, logger: Logger) throws(AuditTrailError) {
        try AuditPrivateFiles.makeDirectory(configuration.directory, logger: logger)
        for database in [configuration.databasePath, configuration.indexPath] {
            try AuditPrivateFiles.prepareFile(database, logger: logger)
            for suffix in ["-wal", "-shm"] { try AuditPrivateFiles.tighten(database + suffix, to: AuditPrivateFiles.fileMode, logger: logger) }
        }
    }

    /// Closes every connection. Appends and queries after this throw.
    public func close() async throws {
        let wasClosed = closed.withLock { value -> Bool in
            defer { value = true }
            return value
        }
        guard !wasClosed else { return }
        await appendGate.withLock { await eventWriter.closeToCompletion(optimize: true) }
        // Every step runs even if one fails (or the task is cancelled); the first failure is rethrown.
        var failure: (any Error)?
        func attempt(_ step: () async throws -> Void) async {
            do { try await step() } catch { failure = failure ?? error }
        }
        await attempt { try await readers.close() }
        await attempt { try await keyReader.close() }
        await attempt { try await scanners.close() }
        await attempt { try await searchers.close() }
        await indexGate.withLock { await indexWriter.closeToCompletion(optimize: true) }
        await attempt { try await maintenance.close() }
        await attempt { try await eventWriter.threadPool.shutdownGracefully() }
        await attempt { try await readerThreadPool.shutdownGracefully() }
        await attempt { try await maintenanceThreadPool.shutdownGracefully() }
        await attempt { try await keyThreadPool.shutdownGracefully() }
        fileSync.closeFiles()
        if let failure { throw failure }
    }

    var isClosed: Bool { closed.withLock { $0 } }

    /// Raw read handles: one for a verification walk's page and one for the page it prefetches.
    static let scannerCount = 2
}
