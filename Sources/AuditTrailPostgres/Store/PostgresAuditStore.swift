import AuditTrail
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The audit log on a PostgreSQL server: the same events, chain, Merkle tree, checkpoints,
/// search index and retention as ``SQLiteAuditStore``'s, in tables of one schema, so that several
/// AuditTrail instances can serve one log.
///
/// - Appends from every instance serialise on the chain head's row (`SELECT … FOR UPDATE` in the
///   transaction that inserts the batch), so seqs stay gap-free and the chain and tree single; the
///   core's ``AuditSealer`` seals, as for SQLite. Up to 2,000 rows are written by one statement (``write(_:actionCounts:head:)``), sent without waiting (``pipelinedTransaction(_:_:)``).
/// - Events are partitioned by month of receipt; retention drops whole partitions once the
///   anchor covers them, and deletes rows below the anchor otherwise.
/// - The search index is the core's (``AuditIndexSearch`` over per-chunk sets): complete chunks
///   are rows of `index_chunks`/`index_sets`, the newest chunk is in each instance's memory and
///   caught up from the rows any instance appended.
///
/// The connection pool runs while the store is open: open it with ``withStore(configuration:logger:_:)``,
/// which runs the pool in a child task for the closure's lifetime (structured: nothing outlives it).
///
/// ```swift
/// try await PostgresAuditStore.withStore(configuration: .init(url: url), logger: logger) { store in
///     let writer = AuditWriter(store: store, logger: logger)
///     try await ServiceGroup(services: [store, writer, server], logger: logger).run()
/// }
/// ```
public final class PostgresAuditStore: Sendable {
    let configuration: Configuration
    let logger: Logger
    let client: PostgresClient
    /// The schema's name, checked to be a plain identifier (spliced into the SQL).
    let s: String
    /// One append at a time from this instance (other instances wait on the head row).
    let appendGate = AuditSerialGate()
    package let indexTail: AuditIndexTail
    package let indexGeometry: AuditIndexGeometry
    package let indexCache: AuditIndexCache
    /// The tree at the head as this instance last appended it; rebuilt from the stored nodes
    /// when another instance appended since.
    let merkleBuilder = Mutex<AuditMerkleTreeBuilder?>(nil)
    /// The end (ms, exclusive) of the newest partition known to exist.
    let partitionsUntil = Atomic<Int64>(0)
    let closed = Atomic<Bool>(false)
    /// When the database last answered (``checkReadiness()``).
    let contact = Mutex(Contact())
    /// Requests waiting for a pooled connection, abandoned when the database is away.
    let leaseWaiters = PostgresLeaseWaiters()
    /// Says that ``runConnections()`` has started the pool, so that ``open()`` does not lease
    /// from a pool that is not running yet.
    let poolStarted: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation) = AsyncStream.makeStream(of: Void.self)

    /// A store for `configuration`, not yet connected: run ``runConnections()`` in a task, then
    /// ``open()``. ``withStore(configuration:logger:_:)`` does both for a closure's lifetime.
    public init(configuration: Configuration, logger: Logger) throws(AuditTrailError) {
        guard PostgresSchema.isIdentifier(configuration.schema) else {
            throw AuditTrailError.invalid("schema", "must be a lower-case identifier (a-z, 0-9, _), at most 63 characters")
        }
        self.configuration = configuration
        self.logger = logger
        self.client = PostgresClient(configuration: Self.clientConfiguration(configuration), backgroundLogger: logger)
        self.s = configuration.schema
        self.indexGeometry = AuditIndexGeometry(shift: configuration.indexChunkShift)
        self.indexCache = AuditIndexCache(budget: configuration.indexCacheMiB << 20)
        self.indexTail = AuditIndexTail(memoryFrom: 0, indexedThrough: 0, lagLimit: configuration.indexLagLimit)
    }

    /// Runs the connection pool until the task is cancelled (or a graceful shutdown); the store is
    /// usable only while it runs. Call it once.
    public func runConnections() async {
        poolStarted.continuation.yield()
        poolStarted.continuation.finish()
        await client.run()
    }

    /// Opens the log on the running pool: creates or upgrades the schema when
    /// ``Configuration/migrate`` is set (else requires it current), makes the partitions ahead,
    /// and places the search index's tail after the persisted chunks.
    public func open() async throws {
        for await _ in poolStarted.stream { break }
        do {
            // One direct connection first: the pool retries an unreachable server for minutes,
            // a single attempt says at once (or after its connect timeout) why it cannot connect.
            try await probe()
            try await prepare()
        } catch {
            throw AuditTrailError(
                .storeFailure,
                "cannot open the PostgreSQL log at \(address): \(storeFailure("open", error).message)",
                underlying: error
            )
        }
    }

    /// Connects once outside the pool, authenticates and closes: the reason a server cannot be
    /// reached (refused, timed out, TLS, password) within the connect timeout.
    func probe() async throws {
        let connection = try await PostgresConnection.connect(configuration: try directConnection(), id: 0, logger: logger)
        try await connection.close()
    }

    /// The settings of a connection of its own, outside the pool (``probe()``, ``followCommits(_:)``).
    func directConnection() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch configuration.tls {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        var settings = PostgresConnection.Configuration(
            host: configuration.host,
            port: configuration.port,
            username: configuration.username,
            password: configuration.password,
            database: configuration.database,
            tls: tls
        )
        settings.options.connectTimeout = .seconds(Self.connectTimeoutSeconds)
        return settings
    }

    /// Where the log lives, for messages: `user@host:port/database`, schema `s` (never the password).
    public var address: String {
        "\(configuration.username)@\(configuration.host):\(configuration.port)/\(configuration.database), schema \(s)"
    }

    /// Marks the store closed: later calls throw. The pool stops when ``runConnections()``'s task ends.
    public func close() {
        closed.store(true, ordering: .relaxed)
    }

    /// Opens the log, runs `body` with it while the connection pool runs in a child task, and
    /// stops the pool when `body` returns or throws.
    public static func withStore<T>(
        configuration: Configuration,
        logger: Logger,
        _ body: (PostgresAuditStore) async throws -> T
    ) async throws -> T {
        let store = try PostgresAuditStore(configuration: configuration, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.runConnections() }
            defer {
                store.close()
                group.cancelAll()
            }
            try await store.open()
            return try await body(store)
        }
    }

    /// How long one connection attempt may take, the pool's and ``probe()``'s.
    static let connectTimeoutSeconds: Int64 = 10

    /// The pool's settings for `configuration` (TLS per ``Configuration/TLSMode``).
    package static func clientConfiguration(_ configuration: Configuration) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch configuration.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var client = PostgresClient.Configuration(
            host: configuration.host,
            port: configuration.port,
            username: configuration.username,
            password: configuration.password,
            database: configuration.database,
            tls: tls
        )
        client.options.maximumConnections = max(2, configuration.maximumConnections)
        client.options.connectTimeout = .seconds(Self.connectTimeoutSeconds)
        return client
    }

    /// Migrates (when allowed), checks the schema's version and the log's identity, makes the
    /// partitions ahead, and sets the index tail after the persisted chunks.
    func prepare() async throws {
        // A current schema is not migrated at all: the application role may open with `migrate`
        // on (creating a schema needs the owner's privileges even when it exists).
        if configuration.migrate, try await PostgresSchema.storedVersion(client, schema: s) != PostgresSchema.currentVersion {
            do {
                try await PostgresSchema.migrate(client, schema: s, logger: logger)
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42501" {
                throw AuditTrailError(
                    .storeFailure,
                    "the PostgreSQL schema \(s) is missing or outdated, and \(configuration.username) may not create it: "
                        + "run `audittrail migrate` as the owner role first",
                    underlying: error
                )
            }
        } else {
            try await PostgresSchema.requireCurrent(client, schema: s)
        }
        try await ensurePartitions(covering: AuditTime.now().milliseconds)
        let stored = try await storedChunks()
        let bounds = try await indexBounds()
        var memoryFrom = (stored.last.map { $0 + 1 }) ?? 0
        memoryFrom = max(memoryFrom, indexGeometry.chunk(bounds.removedThrough + 1))
        let first = indexGeometry.seqs(memoryFrom).lowerBound - 1
        indexTail.state.withLock { state in
            state.memoryFrom = memoryFrom
            state.indexedThrough = first
        }
    }

    /// The instance name used in leases when none is configured: host, process id and a random part.
    public static func defaultInstanceName() -> String {
        var random = SystemRandomNumberGenerator()
        let suffix = String(random.next() as UInt32, radix: 16)
        return "\(ProcessInfoName.host)-\(ProcessInfoName.pid)-\(suffix)"
    }

    /// A driver or server error as the store's error, naming the operation; a PostgreSQL error
    /// keeps its SQLSTATE and message (never the query's bound values).
    func storeFailure(_ operation: String, _ error: any Error) -> AuditTrailError {
        if let error = error as? AuditTrailError { return error }
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState], let message = error.serverInfo?[.message] {
                // 53100: disk full. Class 08 (connection exception) and 57P01–57P03 (shut down,
                // crashed, starting up): the server is away, not the request wrong.
                let away = state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
                let code: AuditTrailError.Code = state == "53100" ? .storeFull : away ? .unavailable : .storeFailure
                return AuditTrailError(code, "PostgreSQL \(operation) failed: \(message) (SQLSTATE \(state))", underlying: error)
            }
            // A connection that failed says why in its underlying error (refused, timed out, TLS).
            let cause = error.underlying.map { ": \($0)" } ?? ""
            return AuditTrailError(.unavailable, "PostgreSQL \(operation) failed: \(error.code)\(cause)", underlying: error)
        }
        return AuditTrailError(.storeFailure, "PostgreSQL \(operation) failed: \(error)", underlying: error)
    }

    /// Runs `body` on a pooled connection within the current ``AuditReadBudget`` (its deadline
    /// becomes the statement timeout of the reads; a cancelled task cancels the query).
    func read<T: Sendable>(_ operation: String, _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        guard !closed.load(ordering: .relaxed) else { throw AuditTrailError(.storeFailure, "the PostgreSQL store is closed") }
        let budget = AuditReadBudget.current
        try budget?.check()
        do {
            let result = try await leased { try await body($0) }
            try budget?.check()
            return result
        } catch {
            throw storeFailure(operation, error)
        }
    }

    /// Runs `body` in one transaction whose writes do not wait for one another: `BEGIN` is sent
    /// and not awaited (the body's first statement, queued behind it on the same connection,
    /// answers after it); the statements the body passes to `send` go out at once, in order, and
    /// PostgreSQL runs each while the body prepares the next; `COMMIT` follows the last. Waits
    /// are two however many statements are sent: a lock the body takes (the chain head's row) is
    /// held for PostgreSQL's work, not also for this process's task switches between statements —
    /// on a busy server, each resumption waits behind the requests being served. The body must
    /// await a statement (the head's read) before its first `send`; a failed statement aborts
    /// the transaction, and the `COMMIT` behind it then rolls back.
    func pipelinedTransaction<T: Sendable>(
        _ operation: String,
        _ body: @Sendable (PostgresConnection, _ send: (PostgresQuery) throws -> Void) async throws -> T
    ) async throws -> T {
        guard !closed.load(ordering: .relaxed) else { throw AuditTrailError(.storeFailure, "the PostgreSQL store is closed") }
        do {
            return try await leased { connection in
                let beginFailure = Shared<(any Error)?>(nil)
                let begun: EventLoopFuture<PostgresQueryResult> = connection.checkedQuery("BEGIN", logger: logger)
                begun.whenFailure { beginFailure.value = $0 }
                // BEGIN's answer is awaited with the rest: a body that sent nothing still learns it.
                var sent = [begun]
                do {
                    let result = try await body(connection) { statement in
                        // BEGIN was answered before the body's first awaited statement.
                        if let failure = beginFailure.value { throw failure }
                        sent.append(connection.checkedQuery(statement, logger: logger))
                    }
                    if let failure = beginFailure.value { throw failure }
                    sent.append(connection.checkedQuery("COMMIT", logger: logger))
                    try await EventLoopFuture.andAllSucceed(sent, on: connection.eventLoop).get()
                    return result
                } catch {
                    await rollBack(connection, after: error)
                    throw error
                }
            }
        } catch {
            throw storeFailure(operation, error)
        }
    }

    /// A pooled connection for `body`; a database already known to be away (``databaseAway()``:
    /// the store's watch has had no answer for 5 s) fails at once with `.unavailable` (503,
    /// retry later). A request already waiting for a connection when the database goes away
    /// stops waiting with the same error once it counts as away (see ``PostgresLeaseHandoff``:
    /// the lease itself is never cancelled).
    func leased<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        if let away = databaseAway() { throw away }
        return try await leaseWaiters.withConnection(from: client, body)
    }

    /// A value that tasks share: a statement's failure recorded by its callback.
    final class Shared<Value: Sendable>: Sendable {
        private let storage: Mutex<Value>
        init(_ value: Value) { storage = Mutex(value) }
        var value: Value {
            get { storage.withLock { $0 } }
            set { storage.withLock { $0 = newValue } }
        }
    }

    /// Runs `body` in one transaction on a pooled connection (``pipelinedTransaction(_:_:)``
    /// with nothing sent).
    func transaction<T: Sendable>(_ operation: String, _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await pipelinedTransaction(operation) { connection, _ in try await body(connection) }
    }
}

extension PostgresAuditStore {
    /// Drops a test's schema with everything in it (tests only: each check has its own schema).
    package func dropSchemaForTests(_ schema: String) async throws {
        guard PostgresSchema.isIdentifier(schema), schema.hasPrefix("test_") else { return }
        try await client.query("DROP SCHEMA \(unescaped: schema) CASCADE", logger: logger)
    }
}

extension PostgresAuditStore {
    /// Grants the application role what serving needs and nothing more (see
    /// `PostgresSchema.grants`): run as the owner after ``open()``, once per schema and role.
    public func grant(to role: String) async throws {
        guard PostgresSchema.isIdentifier(role) else {
            throw AuditTrailError.invalid("role", "must be a lower-case identifier (a-z, 0-9, _), at most 63 characters")
        }
        _ = try await transaction("grant") { connection in
            for statement in PostgresSchema.grants(s, to: role) {
                try await connection.checkedQuery(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }
}

extension PostgresAuditStore {
    /// The schema that holds this log.
    public var schemaName: String { s }
}
