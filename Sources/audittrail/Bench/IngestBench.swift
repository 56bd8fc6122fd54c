import ArgumentParser
import AuditTrail
import AuditTrailPostgres
import AuditTrailSQLite
import AuditTrailServer
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Events/s into SQLite: the in-process writer, then HTTP batch and single POSTs with wrk.",
        discussion: """
            The in-process part appends --events events (default 1,000,000) in --batch sized appends from
            --producers concurrent tasks through AuditWriter (validation, redaction, canonical encoding,
            chain hashing, all indexes, synchronous=FULL), printing the rate of every 100,000 events so a
            slowdown as the store grows shows. With --http it then starts the server on loopback port 0
            (a free port the server picks) and runs `wrk` (Debian package) against POST /v1/events/batch
            and POST /v1/events. With --database-url (a role that may create schemas) the in-process part \
            writes to PostgreSQL instead, in a new schema dropped afterwards.
            """
    )

    @Option(help: "Events for the in-process run (0 skips it).") var events = 1_000_000
    @Option(help: "Events per append call.") var batch = 10_000
    @Option(help: "Concurrent producer tasks.") var producers = 2
    @Option(name: .customLong("data-dir"), help: "Where to write (default: a new temporary directory, removed afterwards).")
    var dataDirectory: String?
    @Flag(help: "Also measure HTTP with wrk.") var http = false
    @Option(help: "Seconds per wrk run.") var duration = 10
    @Option(help: "wrk connections for single POSTs.") var connections = 64
    @Option(name: .customLong("http-batch"), help: "Events per HTTP batch request.") var httpBatch = 1000
    @Option(name: .customLong("batch-connections"), help: "wrk connections for batch POSTs.") var batchConnections = 8
    @Option(name: .customLong("checkpoint-events"), help: "In-process: sign a checkpoint every N events, as the server does (0: none).")
    var checkpointEvents = 1000
    @Flag(name: .customLong("small-events"), help: "In-process: write minimal events (~280 bytes stored) instead of ~720-byte ones.")
    var smallEvents = false
    @OptionGroup var database: DatabaseURLOption

    func validate() throws {
        if events < 0 { throw ValidationError("--events: must be 0 or more") }
        if !(1...10_000).contains(batch) { throw ValidationError("--batch: must be from 1 to 10000") }
        if !(1...64).contains(producers) { throw ValidationError("--producers: must be from 1 to 64") }
        if !(1...300).contains(duration) { throw ValidationError("--duration: must be from 1 to 300 seconds") }
        if !(1...1024).contains(connections) { throw ValidationError("--connections: must be from 1 to 1024") }
        if !(1...10_000).contains(httpBatch) { throw ValidationError("--http-batch: must be from 1 to 10000") }
        if !(1...256).contains(batchConnections) { throw ValidationError("--batch-connections: must be from 1 to 256") }
        if checkpointEvents < 0 { throw ValidationError("--checkpoint-events: must be 0 or more") }
    }

    func run() async throws {
        var logger = Logger(label: "audittrail.bench")
        logger.logLevel = .warning
        let directory = dataDirectory ?? NSTemporaryDirectory() + "audittrail-bench-\(UInt32.random(in: 0...UInt32.max))"
        defer { if dataDirectory == nil { try? FileManager.default.removeItem(atPath: directory) } }
        if events > 0, let postgres = try database.configuration() {
            try await inPostgres(postgres, directory: directory + "/inproc", logger: logger)
        } else if events > 0 {
            try await inProcess(directory: directory + "/inproc", logger: logger)
        }
        if http {
            try await overHTTP(directory: directory + "/http", logger: logger)
        }
    }

    private func inProcess(directory: String, logger: Logger) async throws {
        let store = try await SQLiteAuditStore.open(configuration: .init(directory: directory), logger: logger)
        let label = checkpointEvents > 0 ? "signed checkpoint every \(checkpointEvents) events" : "no checkpoints"
        print("In-process writer → SQLite (\(directory)): \(events) events, \(producers) producers × \(batch)-event appends, \(label)")
        try await measureInProcess(store, directory: directory, logger: logger)
        try await store.close()
    }

    /// The in-process run into `store`, and its rate printed.
    private func measureInProcess(_ store: some AuditStore & AuditCheckpointStore & Service, directory: String, logger: Logger) async throws {
        let elapsed = try await benchIngest(
            into: store,
            directory: directory,
            events: events,
            batch: batch,
            producers: producers,
            checkpointEvents: checkpointEvents,
            smallEvents: smallEvents,
            logger: logger
        )
        let checkpoints = try await store.checkpoints(after: 0, limit: 1_000_000).count
        print(
            "In-process: \(events) events in \(String(format: "%.2f", elapsed)) s = \(Int(Double(events) / elapsed)) events/s (durable, chain + Merkle tree + indexes, \(checkpoints) signed checkpoints)"
        )
    }

    /// The in-process run on PostgreSQL, in a schema of its own (`test_bench_…`) dropped afterwards.
    private func inPostgres(_ database: PostgresAuditStore.Configuration, directory: String, logger: Logger) async throws {
        var configuration = database
        configuration.schema = "test_bench_\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let label = checkpointEvents > 0 ? "signed checkpoint every \(checkpointEvents) events" : "no checkpoints"
        print(
            "In-process writer → PostgreSQL (\(configuration.host):\(configuration.port)/\(configuration.database), schema \(configuration.schema)): \(events) events, \(producers) producers × \(batch)-event appends, \(label)"
        )
        try await PostgresAuditStore.withStore(configuration: configuration, logger: logger) { store in
            do {
                try await measureInProcess(store, directory: directory, logger: logger)
            } catch {
                try? await store.dropSchemaForTests(configuration.schema)
                throw error
            }
            try await store.dropSchemaForTests(configuration.schema)
        }
    }

    private func overHTTP(directory: String, logger: Logger) async throws {
        guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw ValidationError("--http: wrk is not installed (apt-get install wrk)")
        }
        let secret = "bench-" + AuditHex.string((0..<16).map { _ in UInt8.random(in: 0...255) })
        try await withBenchServer(directory: directory, adminKey: secret, logger: logger) { port in
            var generator = BenchEventGenerator(seed: 42)
            let single = generator.json()
            let batchBody = "[" + (0..<httpBatch).map { _ in generator.json() }.joined(separator: ",") + "]"
            let scripts = NSTemporaryDirectory() + "audittrail-wrk-\(port)"
            try FileManager.default.createDirectory(atPath: scripts, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: scripts) }
            func script(_ body: String) -> String {
                let escaped = body.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
                return """
                    wrk.method = "POST"
                    wrk.body = '\(escaped)'
                    wrk.headers["Content-Type"] = "application/json"
                    wrk.headers["Authorization"] = "Bearer \(secret)"
                    """
            }
            try script(batchBody).write(toFile: scripts + "/batch.lua", atomically: true, encoding: .utf8)
            try script(single).write(toFile: scripts + "/single.lua", atomically: true, encoding: .utf8)

            print("HTTP batch POSTs (\(httpBatch) events each, \(batchConnections) connections, \(duration) s):")
            let batchResult = try runWrk(
                wrk,
                [
                    "-t1", "-c\(batchConnections)", "-d\(duration)s", "--latency", "-s", scripts + "/batch.lua",
                    "http://127.0.0.1:\(port)/v1/events/batch",
                ]
            )
            print(
                "  \(Int(batchResult.requestsPerSecond * Double(httpBatch))) events/s (\(String(format: "%.1f", batchResult.requestsPerSecond)) req/s, p99 \(batchResult.p99), non-2xx \(batchResult.errors))"
            )
            print("HTTP single-event POSTs (\(connections) connections, \(duration) s):")
            let singleResult = try runWrk(
                wrk,
                [
                    "-t1", "-c\(connections)", "-d\(duration)s", "--latency", "-s", scripts + "/single.lua",
                    "http://127.0.0.1:\(port)/v1/events",
                ]
            )
            print("  \(Int(singleResult.requestsPerSecond)) req/s, p50 \(singleResult.p50), p99 \(singleResult.p99), non-2xx \(singleResult.errors)")
        }
    }

    struct WrkResult {
        var requestsPerSecond: Double
        var p50: String
        var p99: String
        var errors: Int
    }

    private func runWrk(_ wrk: String, _ arguments: [String]) throws -> WrkResult {
        let path = NSTemporaryDirectory() + "audittrail-wrk-\(UInt32.random(in: 0...UInt32.max)).out"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = try ChildProcess(
            executable: wrk,
            arguments: arguments,
            environment: ProcessInfo.processInfo.environment,
            outputPath: path
        )
        process.wait()
        let output = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        func field(_ prefix: String) -> String? {
            output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix(prefix) }
                .map { String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces) }
        }
        guard let rps = field("Requests/sec:").flatMap(Double.init) else {
            throw ValidationError("wrk printed no Requests/sec line:\n\(output)")
        }
        let errors = field("Non-2xx or 3xx responses:").flatMap(Int.init) ?? 0
        return WrkResult(requestsPerSecond: rps, p50: field("50%") ?? "?", p99: field("99%") ?? "?", errors: errors)
    }
}

/// Appends `events` generated events through an ``AuditWriter`` (and, with `checkpointEvents`, an
/// ``AuditCheckpointer`` signing with `signing.key` in `directory`, made as the server makes it, so
/// that `audittrail verify --data-dir` and `serve` work on the benchmark's log) from `producers`
/// tasks, printing the rate of every 100,000; returns the seconds taken until the last commit.
func benchIngest(
    into store: some AuditStore & AuditCheckpointStore & Service,
    directory: String,
    events: Int,
    batch: Int,
    producers: Int,
    checkpointEvents: Int,
    smallEvents: Bool = false,
    throughLogger: Bool = false,
    reportProgress: Bool = true,
    logger: Logger
) async throws -> Double {
    let progress = Mutex((committed: 0, windowStart: ContinuousClock.now, windowCount: 0))
    let windowSize = 100_000
    let quiet = Logger(label: "audittrail.bench.refused", factory: { _ in SwiftLogNoOpLogHandler() })
    var observers: [AuditWriter.Observer] = [
        { commit in
            let line: String? = progress.withLock { state in
                state.committed += commit.count
                state.windowCount += commit.count
                guard state.windowCount >= windowSize else { return nil }
                let now = ContinuousClock.now
                let rate = Double(state.windowCount) / seconds(now - state.windowStart)
                let text = "  \(state.committed) events: \(Int(rate)) events/s over the last \(state.windowCount)"
                state.windowStart = now
                state.windowCount = 0
                return text
            }
            if let line, reportProgress { print(line) }
        }
    ]
    var services: [any Service] = [store]
    if checkpointEvents > 0 {
        var configuration = AuditCheckpointer.Configuration()
        configuration.events = Int64(checkpointEvents)
        let origin = "audittrail/" + (try await store.logID())
        let signer = try AuditSigner.loadOrCreate(at: directory + "/" + AuditServerConfiguration.signingKeyFileName, name: origin)
        let checkpointer = try AuditCheckpointer(
            store: store,
            signer: signer,
            origin: origin,
            configuration: configuration,
            logger: logger
        )
        observers.append(checkpointer.writerObserver)
        services.append(checkpointer)
    }
    let writer = AuditWriter(store: store, logger: logger, observers: observers)
    services.append(writer)
    let group = ServiceGroup(configuration: .init(services: services, logger: logger))
    let start = ContinuousClock.now
    var elapsed = 0.0
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        try await withThrowingTaskGroup(of: Void.self) { producersGroup in
            let perProducer = events / producers
            for producer in 0..<producers {
                let count = producer == producers - 1 ? events - perProducer * (producers - 1) : perProducer
                producersGroup.addTask {
                    var generator = BenchEventGenerator(seed: UInt64(producer + 1))
                    let validator = AuditEventValidator()
                    if throughLogger {
                        // One `record` per event, as an app's code calls it; a full queue is waited out.
                        let audit = AuditLogger(sink: AuditWriterSink(writer: writer, validator: validator), logger: quiet)
                        for _ in 0..<count {
                            let input = smallEvents ? generator.smallInput() : generator.input()
                            while !audit.record(input) { try await Task.sleep(for: .microseconds(200)) }
                        }
                        return
                    }
                    var remaining = count
                    while remaining > 0 {
                        let n = min(batch, remaining)
                        var prepared: [PreparedAuditEvent] = []
                        prepared.reserveCapacity(n)
                        for _ in 0..<n { prepared.append(try validator.prepare(smallEvents ? generator.smallInput() : generator.input())) }
                        _ = try await writer.append(contentsOf: prepared)
                        remaining -= n
                    }
                }
            }
            try await producersGroup.waitForAll()
        }
        // `record` returns before the commit: wait for the last one.
        while progress.withLock({ $0.committed }) < events { try await Task.sleep(for: .milliseconds(1)) }
        elapsed = seconds(ContinuousClock.now - start)
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
    return elapsed
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// This process's CPU time so far, user plus system, in seconds (`getrusage`).
func processCPUSeconds() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    let time = { (t: timeval) in Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return time(usage.ru_utime) + time(usage.ru_stime)
}

/// Runs the server on `directory` (port 0, `adminKey` as the environment's admin key) until
/// `body`, given the bound port, returns; then shuts it down gracefully.
func withBenchServer(directory: String, adminKey: String, logger: Logger, _ body: (Int) async throws -> Void) async throws {
    var configuration = AuditServerConfiguration()
    configuration.port = 0
    configuration.dataDirectory = directory
    configuration.adminKey = adminKey
    configuration.logLevel = logger.logLevel
    // Port 0: the server binds a free port and reports it once it listens.
    let (addresses, listening) = AsyncStream.makeStream(of: AuditServerAddress.self)
    let app = try await buildAuditApplication(configuration: configuration, logger: logger) { started in
        listening.yield(started.address)
        listening.finish()
    }
    let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            // A server that fails to start ends the stream, so the wait below ends too.
            defer { listening.finish() }
            try await group.run()
        }
        var bound: AuditServerAddress?
        for await address in addresses { bound = address }
        guard let port = bound?.port else {
            try await tasks.waitForAll()
            throw ValidationError("the server stopped before it listened")
        }
        do {
            // The server reports its address once it serves (its store is open by then).
            try await body(port)
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}
