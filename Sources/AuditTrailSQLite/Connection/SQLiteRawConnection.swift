import AuditTrail
import NIOCore
import NIOPosix
import Synchronization
// SQLiteNIO's vendored SQLite (a target of the sqlite-nio package already in Package.swift):
// the append path needs prepared statements that outlive one call, which SQLiteNIO does not offer.
import VaporCSQLite

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw `sqlite3` handle whose statements are prepared once and reused. The store has one for
/// appends (on a one-thread pool, used only under the append gate) and read-only ones for the
/// verification scans (on the reader threads, one job at a time each, from a pool).
///
/// SQLiteNIO prepares every statement anew and binds through boxed `SQLiteData` values; for a
/// 22-column multi-row `INSERT` that was ~1.3 µs of SQL parsing plus ~3 µs of boxing, binding and
/// freeing per row, and every statement of a transaction (BEGIN, head, insert, counts, COMMIT)
/// was its own trip through the thread pool. Here a whole small transaction is one trip.
final class SQLiteRawConnection: @unchecked Sendable {
    /// A failure reported by SQLite: its result code and its own message (never a bound value).
    struct Failure: Error, CustomStringConvertible {
        var code: Int32
        var message: String
        /// The system's `errno` of the failed call (`sqlite3_system_errno`), 0 when none.
        var systemErrno: Int32 = 0
        var description: String { "SQLite error \(code): \(message)" }

        /// `SQLITE_FULL` (any extended code), or an I/O error whose system error is `ENOSPC`.
        var isDiskFull: Bool {
            code & 0xFF == SQLITE_FULL || (code & 0xFF == SQLITE_IOERR && systemErrno == ENOSPC)
        }
    }

    // Touched by one job at a time (the append gate, or the scanner pool's checkout).
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    let threadPool: NIOThreadPool
    /// Set by ``interrupt()``: every step checks it, so a statement that starts after the
    /// interrupt stops too (SQLite's own interrupt reaches only statements already running).
    private let interruption = Atomic<Bool>(false)

    private init(handle: OpaquePointer?, threadPool: NIOThreadPool) {
        self.handle = handle
        self.threadPool = threadPool
    }

    /// Opens `path` (already created and migrated, unless `create`) with the store's pragmas: the
    /// append handle, the index file's writer, or with `readOnly` a handle for the scans and
    /// searches (raw rows without SQLiteNIO's per-row values; used on any thread of `threadPool`,
    /// one job at a time). A writer's WAL is cut back to `walResetFrames` pages (default the
    /// configuration's) whenever a commit starts it over.
    static func open(
        path: String,
        configuration: SQLiteAuditStore.Configuration,
        threadPool: NIOThreadPool,
        readOnly: Bool = false,
        create: Bool = false,
        walResetFrames: Int? = nil
    ) async throws -> SQLiteRawConnection {
        try await threadPool.runIfActive {
            var handle: OpaquePointer?
            let flags =
                (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
                | SQLITE_OPEN_EXRESCODE
            let code = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
            let writer = SQLiteRawConnection(handle: handle, threadPool: threadPool)
            guard code == SQLITE_OK else {
                let failure = writer.failure(code)
                writer.close()
                throw failure
            }
            do {
                // SQLite's sleeping busy handler, bounded (another process may hold the write lock).
                _ = sqlite_nio_sqlite3_busy_timeout(handle, Int32(clamping: max(0, configuration.busyTimeoutMilliseconds)))
                if readOnly {
                    // Scans read the file through a memory map (as far as SQLite maps: 2 GiB), not
                    // one pread copy per page.
                    try writer.execute("PRAGMA mmap_size = 2147418112")
                    try writer.execute("PRAGMA cache_size = -\(max(1024, configuration.readerCacheKiB))")
                    return writer
                }
                if create { try writer.execute("PRAGMA page_size = \(configuration.pageSize)") }
                try writer.execute("PRAGMA journal_mode = WAL")
                try writer.execute("PRAGMA synchronous = \(configuration.synchronous)")
                try writer.execute("PRAGMA cache_size = -\(max(1024, configuration.writerCacheKiB))")
                try writer.execute("PRAGMA temp_store = MEMORY")
                try writer.execute("PRAGMA wal_autocheckpoint = \(max(100, configuration.writerAutoCheckpointPages))")
                // A WAL that outgrew its reset size (a long reader held the reset off) is cut back
                // to it when the next commit starts it over, rather than staying at its high-water
                // mark (the soak saw 561 MiB for a 256 MiB reset size).
                let resetFrames = max(1, walResetFrames ?? configuration.walResetFrames)
                try writer.execute("PRAGMA journal_size_limit = \(resetFrames * configuration.pageSize)")
            } catch {
                writer.close()
                throw error
            }
            return writer
        }
    }

    /// Runs `body` on the writer's thread.
    func perform<T: Sendable>(_ body: @escaping @Sendable (SQLiteRawConnection) throws -> T) async throws -> T {
        try await threadPool.runIfActive { try body(self) }
    }

    /// Runs `body` on the connection's thread, interrupted when `budget` runs out or is cancelled,
    /// or when the calling task is cancelled: a watchdog beside the job checks every
    /// ``watchdogTick`` and then calls ``interrupt()`` (again every 10 ms, until the job ends).
    /// (SQLiteNIO's SQLite is built without the progress callback, so the interrupt comes from
    /// outside the statement's thread.) The
    /// interrupted statement fails with `SQLITE_INTERRUPT`, which comes back as the budget's error
    /// (``AuditReadBudget/overrun(now:)``, or ``AuditTrailError/Code/cancelled``).
    func perform<T: Sendable>(within budget: AuditReadBudget?, _ body: @escaping @Sendable (SQLiteRawConnection) throws -> T) async throws -> T {
        if let error = budget?.overrun() { throw error }
        try Task.checkCancellation()
        interruption.store(false, ordering: .sequentiallyConsistent)
        let done = JobDone()
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    defer { done.flag.store(true, ordering: .sequentiallyConsistent) }
                    return try await self.perform(body)
                }
                group.addTask {
                    while !done.flag.load(ordering: .sequentiallyConsistent) {
                        guard Task.isCancelled || budget?.overrun() != nil else {
                            try? await Task.sleep(for: Self.watchdogTick)
                            continue
                        }
                        self.interrupt()
                        // Again after a tick, in case the statement began just as the first one
                        // landed; a cancelled task's `Task.sleep` returns at once, so the tick
                        // is an event loop's timer.
                        let loop = MultiThreadedEventLoopGroup.singleton.any()
                        try? await loop.scheduleTask(in: .milliseconds(10)) {}.futureResult.get()
                    }
                    return nil
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let result { return result }
                }
                throw CancellationError()
            }
        } catch let failure as Failure where failure.code == SQLITE_INTERRUPT {
            throw budget?.overrun() ?? AuditTrailError(.cancelled, "the read was cancelled")
        } catch is CancellationError {
            throw budget?.overrun() ?? AuditTrailError(.cancelled, "the read was cancelled")
        }
    }

    /// How often the watchdog of ``perform(within:_:)`` looks at the budget.
    static let watchdogTick = Duration.milliseconds(10)

    /// Stops the statement running on this connection, and any it starts before the next
    /// ``perform(within:_:)``. Safe from any thread while the connection is checked out.
    func interrupt() {
        interruption.store(true, ordering: .sequentiallyConsistent)
        if let handle { sqlite_nio_sqlite3_interrupt(handle) }
    }

    /// Closes the handle on its thread even when the calling task is cancelled (the `async`
    /// `runIfActive` skips work whose task was cancelled; its future-based form does not).
    func closeToCompletion(optimize: Bool = false) async {
        let handle = self
        _ = try? await threadPool.runIfActive(eventLoop: MultiThreadedEventLoopGroup.singleton.any()) {
            if optimize { try? handle.execute("PRAGMA optimize") }
            handle.close()
        }.get()
    }

    /// Runs SQL without binds or rows (BEGIN, COMMIT, pragmas).
    func execute(_ sql: String) throws {
        let code = sqlite_nio_sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw failure(code) }
    }

    /// Rolls back the open transaction, if any; never throws (cleanup after a failure).
    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: committed when it returns, rolled back when
    /// it throws.
    func immediateTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            rollback()
            throw error
        }
    }

    func rollback() {
        guard let handle, sqlite_nio_sqlite3_get_autocommit(handle) == 0 else { return }
        _ = sqlite_nio_sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
    }

    /// Finalizes every statement and closes the handle.
    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements = [:]
        if let handle { sqlite_nio_sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Runs the cached statement for `sql`, as the statement form below does.
    /// Runs `sql`, prepared once and kept; with `keep: false` (statements whose text varies, such as
    /// lists of placeholders) it is prepared for this run only.
    func run(_ sql: String, keep: Bool = true, bind: (inout Binder) throws -> Void = { _ in }, row: (Row) throws -> Void = { _ in }) throws {
        guard !keep else { return try run(prepared(sql), bind: bind, row: row) }
        var statement: OpaquePointer?
        let code = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, 0, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw failure(code) }
        defer { sqlite_nio_sqlite3_finalize(statement) }
        try run(statement, bind: bind, row: row)
    }

    /// Runs a prepared statement: binds with `bind`, steps through every row calling `row`, and
    /// resets it (also on failure), so the next use starts clean. Every use binds every placeholder.
    func run(_ statement: OpaquePointer, bind: (inout Binder) throws -> Void = { _ in }, row: (Row) throws -> Void = { _ in }) throws {
        defer { sqlite_nio_sqlite3_reset(statement) }
        var binder = Binder(statement: statement)
        try bind(&binder)
        if let code = binder.failure { throw failure(code) }
        while true {
            if interruption.load(ordering: .relaxed) { throw Failure(code: SQLITE_INTERRUPT, message: "interrupted") }
            let code = sqlite_nio_sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw failure(code) }
            do {
                try row(Row(statement: statement))
            } catch is Stop {
                return
            }
        }
    }

    /// Thrown by a `row` callback to end the rows early, as if they had ended.
    struct Stop: Error {}

    /// The statement for `sql`, prepared on first use and kept until ``close()``.
    func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        let code = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw failure(code) }
        statements[sql] = statement
        return statement
    }

    private func failure(_ code: Int32) -> Failure {
        let message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "no message"
        let systemErrno = handle.map { sqlite_nio_sqlite3_system_errno($0) } ?? 0
        return Failure(code: code, message: message, systemErrno: systemErrno)
    }

    /// Binds values to a statement's placeholders (1-based); records the first failure.
    struct Binder {
        let statement: OpaquePointer
        private(set) var failure: Int32?

        init(statement: OpaquePointer) { self.statement = statement }

        mutating func integer(_ index: Int32, _ value: Int64?) {
            guard let value else { return null(index) }
            check(sqlite_nio_sqlite3_bind_int64(statement, index, value))
        }

        mutating func text(_ index: Int32, _ value: String?) {
            guard var value else { return null(index) }
            value.withUTF8 { text(index, utf8: $0) }
        }

        /// Binds UTF-8 bytes as text (copied by SQLite).
        mutating func text(_ index: Int32, utf8: UnsafeBufferPointer<UInt8>) {
            guard let base = utf8.baseAddress, !utf8.isEmpty else {
                return check(sqlite_nio_sqlite3_bind_text64(statement, index, "", 0, sqliteTransient, UInt8(SQLITE_UTF8)))
            }
            let statement = statement
            check(
                base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                    sqlite_nio_sqlite3_bind_text64(statement, index, $0, UInt64(utf8.count), sqliteTransient, UInt8(SQLITE_UTF8))
                }
            )
        }

        mutating func blob(_ index: Int32, _ value: [UInt8]?) {
            guard let value else { return null(index) }
            value.withUnsafeBufferPointer { blob(index, bytes: $0) }
        }

        /// Binds bytes as a blob (copied by SQLite).
        mutating func blob(_ index: Int32, bytes: UnsafeBufferPointer<UInt8>) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return check(sqlite_nio_sqlite3_bind_zeroblob(statement, index, 0)) }
            check(sqlite_nio_sqlite3_bind_blob64(statement, index, base, UInt64(bytes.count), sqliteTransient))
        }

        /// Binds a hash as its 32-byte blob.
        mutating func blob(_ index: Int32, _ hash: AuditHash) {
            let statement = statement
            check(hash.withUnsafeBytes { sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress!, 32, sqliteTransient) })
        }

        mutating func null(_ index: Int32) { check(sqlite_nio_sqlite3_bind_null(statement, index)) }

        private mutating func check(_ code: Int32) {
            if code != SQLITE_OK, failure == nil { failure = code }
        }
    }

    /// The current row of a stepping statement (0-based columns).
    struct Row {
        let statement: OpaquePointer

        func integer(_ column: Int32) -> Int64? {
            sqlite_nio_sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite_nio_sqlite3_column_int64(statement, column)
        }

        func text(_ column: Int32) -> String? {
            sqlite_nio_sqlite3_column_text(statement, column).map { String(cString: $0) }
        }

        /// A blob column in place, valid only inside `body` (no copy).
        func withBytes<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            guard count > 0, let pointer = sqlite_nio_sqlite3_column_blob(statement, column) else {
                return try body(UnsafeRawBufferPointer(start: nil, count: 0))
            }
            return try body(UnsafeRawBufferPointer(start: pointer, count: count))
        }

        /// A 32-byte blob column as a hash; nil when it is NULL or of another length.
        func hash(_ column: Int32) -> AuditHash? {
            withBytes(column) { $0.count == AuditHash.byteCount ? AuditHash($0.baseAddress!) : nil }
        }

        func bytes(_ column: Int32) -> [UInt8] {
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            guard count > 0, let pointer = sqlite_nio_sqlite3_column_blob(statement, column) else { return [] }
            return Array(UnsafeRawBufferPointer(start: pointer, count: count))
        }
    }
}

/// Whether the job of ``SQLiteRawConnection/perform(within:_:)`` has ended (its watchdog's cue to stop).
private final class JobDone: Sendable {
    let flag = Atomic<Bool>(false)
}

/// SQLite copies the bound value before the bind call returns.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
