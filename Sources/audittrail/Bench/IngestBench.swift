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
        abstract: "Events/s into SQLite or PostgreSQL: the in-process writer, then HTTP batch and single POSTs with wrk.",
        discussion: """
            The in-process part appends --events events (default 1,000,000) in --batch sized appends from
            --producers concurrent tasks through AuditWriter (validation, redaction, canonical encoding,
            chain hashing, all indexes, synchronous=FULL), printing the rate of every 100,000 events so a
            slowdown as the store grows shows. With --http it then starts the server on loopback port 0
            (a free port the server picks) and runs `wrk` (Debian package) against POST /v1/events/batch
            and POST /v1/events. With --database-url (a role that may create schemas) the in-process part \
            writes to PostgreSQL instead, in a new schema dropped afterwards; with --http too, the HTTP part then \
            starts --instances `audittrail serve` processes on that schema (sharing one signing key) and \
            spreads wrk's connections evenly over them, printing how busy the cores were.
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
    @Flag(
        name: .customLong("keep-schema"),
        help: "With --database-url: keep the in-process run's schema (its name is printed), e.g. for Benchmarks/postgres-copy-limit.sh."
    )
    var keepSchema = false
    @Option(help: "With --http and --database-url: server processes on the one log, the connections spread over them.")
    var instances = 1
    @Option(name: .customLong("checkpoint-events"), help: "In-process: sign a checkpoint every N events, as the server does (0: none).")
    var checkpointEvents = 1000
    @Flag(name: .customLong("small-events"), help: "In-process: write minimal events (~280 bytes stored) instead of ~720-byte ones.")
    var smallEvents = false
    @Flag(
        name: .customLong("default-allocator"),
        help: """
            In-process: leave glibc's allocator thresholds as they are (by default the run keeps freed memory for the next \
            batch, as an app that ingests in bulk should: AuditServerMemory.keepFreeForBulkIngest).
            """
    )
    var defaultAllocator = false
    @Option(
        name: .customLong("index-lag-limit"),
        help: "In-process: committed events the appends may run ahead of the search index before they wait for it (the store's indexLagLimit)."
    )
    var indexLagLimit = 65_536
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
        if !(1...10_000_000).contains(indexLagLimit) { throw ValidationError("--index-lag-limit: must be from 1 to 10000000") }
        if !(1...8).contains(instances) { throw ValidationError("--instances: must be from 1 to 8") }
        if instances > 1, database.url == nil, ProcessInfo.processInfo.environment["AUDITTRAIL_DATABASE_URL"] == nil {
            throw ValidationError("--instances: more than one needs --database-url (the instances share one PostgreSQL log)")
        }
    }

    func run() async throws {
        var logger = Logger(label: "audittrail.bench")
        logger.logLevel = .warning
        let directory = dataDirectory ?? NSTemporaryDirectory() + "audittrail-bench-\(UInt32.random(in: 0...UInt32.max))"
        defer { if dataDirectory == nil { try? FileManager.default.removeItem(atPath: directory) } }
        var inProcessRate: Double?
        if events > 0, let postgres = try database.configuration() {
            try await inPostgres(postgres, directory: directory + "/inproc", logger: logger)
        } else if events > 0 {
            inProcessRate = try await inProcess(directory: directory + "/inproc", logger: logger)
        }
        if http {
            let batchRate = try await overHTTP(directory: directory + "/http", logger: logger)
            if let inProcessRate, let batchRate {
                print(String(format: "HTTP batch POSTs / in-process ingest, same run: %.2f×", batchRate / inProcessRate))
            }
        }
    }

    /// The in-process run and SQLite's append limit after it; returns the run's events/s.
    private func inProcess(directory: String, logger: Logger) async throws -> Double {
        let environment = ProcessInfo.processInfo.environment
        let tuned = !defaultAllocator && AuditServerMemory.keepFreeForBulkIngest(environment: environment)
        // The HTTP part that may follow measures the server as `serve` runs it: glibc's defaults.
        defer { if tuned { AuditServerMemory.keepFreeForBulkIngest(false, environment: environment) } }
        var storeConfiguration = SQLiteAuditStore.Configuration(directory: directory)
        storeConfiguration.indexLagLimit = indexLagLimit
        let store = try await SQLiteAuditStore.open(configuration: storeConfiguration, logger: logger)
        let label = checkpointEvents > 0 ? "signed checkpoint every \(checkpointEvents) events" : "no checkpoints"
        print(
            "In-process writer → SQLite (\(directory)): \(events) events, \(producers) producers × \(batch)-event appends, \(label), "
                + (tuned ? "allocator keeping freed memory for the next batch" : "glibc's allocator defaults")
        )
        let rate = try await measureInProcess(store, directory: directory, logger: logger)
        // The reference, in the same run: SQLite's own append of as many rows of the stored size.
        var stored = 0
        var sampled = 0
        var after: Int64 = 0
        while sampled < 10_000 {
            let rows = try await store.rows(after: after, limit: 1_000)
            guard let last = rows.last else { break }
            stored += rows.reduce(0) { $0 + $1.canonical.count }
            sampled += rows.count
            after = last.seq
        }
        try await store.close()
        let bytes = max(1, stored / max(1, sampled))
        let limit = try await SQLiteAppendLimit.measure(path: directory + "/append-limit.sqlite", rows: events, bytesPerRow: bytes)
        print(
            "SQLite's append limit, same run: \(events) rows of \(bytes) bytes (the stored events' mean) in 10,000-row transactions, the store's pragmas with SQLite's default checkpointing, no index: \(Int(limit)) rows/s"
        )
        print(
            String(
                format: "  in-process ingest / append limit: %.2f× (counting the index's catch-up: %.2f×)",
                rate.committed / limit,
                rate.indexed / limit
            )
        )
        return rate.committed
    }

    /// The in-process run into `store`, its rates printed and returned (events/s until the last
    /// commit, and until the search index holds every event).
    @discardableResult
    private func measureInProcess(
        _ store: some AuditStore & AuditCheckpointStore & Service,
        directory: String,
        logger: Logger
    ) async throws -> (committed: Double, indexed: Double) {
        let cpuBefore = (this: processCPUSeconds(), postgres: postgresCPUSeconds())
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
        // The search index trails the commits (built in the background, as in the server); one
        // search waits until it holds every event, so the rate counting that wait is what the
        // index sustains.
        let catchUp = ContinuousClock.now
        var probe = AuditQuery()
        probe.limit = 1
        _ = try await store.events(matching: probe)
        let lag = seconds(ContinuousClock.now - catchUp)
        print(
            String(
                format: "  search index complete %.2f s after the last commit: %d events/s counting that",
                lag,
                Int(Double(events) / (elapsed + lag))
            )
        )
        // Where the cores went: this process (writer, sealer, encoding) and, when it runs here, PostgreSQL.
        let this = processCPUSeconds() - cpuBefore.this
        let postgres = postgresCPUSeconds() - cpuBefore.postgres
        print(
            String(format: "  CPU: this process %.1f s (%.0f µs/event)", this, this / Double(events) * 1e6)
                + (postgres > 0 ? String(format: ", PostgreSQL %.1f s (%.0f µs/event)", postgres, postgres / Double(events) * 1e6) : "")
        )
        return (Double(events) / elapsed, Double(events) / (elapsed + lag))
    }

    /// The in-process run on PostgreSQL, in a schema of its own (`test_bench_…`) dropped afterwards.
    private func inPostgres(_ database: PostgresAuditStore.Configuration, directory: String, logger: Logger) async throws {
        var configuration = database
        configuration.schema = "test_bench_\(UInt32.random(in: 0...UInt32.max))"
        configuration.indexLagLimit = indexLagLimit
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
            if keepSchema {
                print("  kept schema \(configuration.schema)")
            } else {
                try await store.dropSchemaForTests(configuration.schema)
            }
        }
    }

    /// The HTTP loads; returns the batch POSTs' events/s on SQLite (nil on PostgreSQL).
    private func overHTTP(directory: String, logger: Logger) async throws -> Double? {
        let wrk = try BenchWrk.executable()
        let secret = "bench-" + AuditHex.string((0..<16).map { _ in UInt8.random(in: 0...255) })
        if let postgres = try database.configuration() {
            try await overHTTPOnPostgres(postgres, wrk: wrk, secret: secret, directory: directory, logger: logger)
            return nil
        }
        var batchRate: Double?
        try await withBenchServer(directory: directory, adminKey: secret, logger: logger) { port in
            print("HTTP → one server on SQLite (\(directory))")
            batchRate = try await runLoads(wrk: wrk, secret: secret, ports: [port], serverCPU: { processCPUSeconds() })
        }
        return batchRate
    }

    /// `--instances` servers (`audittrail serve`, child processes) on one PostgreSQL log in a new
    /// schema (dropped afterwards), sharing one signing key as a deployment would; the loads are
    /// spread evenly over them.
    private func overHTTPOnPostgres(
        _ postgres: PostgresAuditStore.Configuration,
        wrk: String,
        secret: String,
        directory: String,
        logger: Logger
    ) async throws {
        var configuration = postgres
        configuration.schema = "test_bench_\(UInt32.random(in: 0...UInt32.max))"
        let url = try database.requiredURL()
        let environment = ["AUDITTRAIL_DATABASE_URL": Self.url(url, schema: configuration.schema)]
        let options = ["--signing-key", directory + "/shared.key"]
        print(
            "HTTP → \(instances) server\(instances == 1 ? "" : "s") on PostgreSQL (\(configuration.host):\(configuration.port)/\(configuration.database), schema \(configuration.schema))"
        )
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = try AuditSigner.loadOrCreate(at: directory + "/shared.key", name: "audittrail-bench")
        var servers: [ChildServer] = []
        var failure: (any Error)?
        do {
            // The first one migrates the schema; the others start after it.
            for index in 0..<instances {
                let path = directory + "/server-\(index + 1)"
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                servers.append(try ChildServer(directory: path, adminKey: secret, options: options, environment: environment))
            }
            let loaded = servers
            _ = try await runLoads(wrk: wrk, secret: secret, ports: servers.map(\.port)) { loaded.reduce(0) { $0 + $1.cpuSeconds() } }
        } catch {
            failure = error
        }
        for server in servers { server.stop() }
        try await PostgresAuditStore.withStore(configuration: configuration, logger: logger) { store in
            if failure == nil { print("  the log holds \(try await store.head().seq) events") }
            try await store.dropSchemaForTests(configuration.schema)
        }
        if let failure { throw failure }
    }

    /// `url` with its `schema` parameter set to `schema` (any other one removed).
    static func url(_ url: String, schema: String) -> String {
        let parts = url.split(separator: "?", maxSplits: 1)
        let kept = (parts.count > 1 ? parts[1].split(separator: "&").filter { !$0.hasPrefix("schema=") } : []) + ["schema=\(schema)"]
        return parts[0] + "?" + kept.joined(separator: "&")
    }

    /// Distinct request bodies the batch POSTs send in turn.
    static let httpBatchBodies = 64

    /// Batch, then single-event POSTs with `wrk`, the connections spread evenly over `ports` (one
    /// wrk process per port, all at once), printing the summed rates and, per run, how busy the
    /// machine's cores were: the servers' CPU (`serverCPU`), PostgreSQL's and wrk's.
    /// Returns the batch POSTs' events/s.
    private func runLoads(wrk: String, secret: String, ports: [Int], serverCPU: () -> Double) async throws -> Double {
        var generator = BenchEventGenerator(seed: 42)
        let single = generator.json()
        // Distinct events, as real traffic brings them (the search index's cost depends on how
        // many distinct keys it sees): 64 bodies, sent in turn, hold 64,000 different events —
        // a chunk's worth; one body sent again and again indexed the same 1,000 events.
        let batchBodies = (0..<Self.httpBatchBodies).map { _ in "[" + (0..<httpBatch).map { _ in generator.json() }.joined(separator: ",") + "]" }
        let scripts = NSTemporaryDirectory() + "audittrail-wrk-\(ports[0])"
        try FileManager.default.createDirectory(atPath: scripts, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scripts) }
        try BenchWrk.postScript(bodies: batchBodies, secret: secret).write(toFile: scripts + "/batch.lua", atomically: true, encoding: .utf8)
        try BenchWrk.postScript(body: single, secret: secret).write(toFile: scripts + "/single.lua", atomically: true, encoding: .utf8)

        func load(connections total: Int, script: String, path: String) async throws -> (BenchWrk.Result, String) {
            let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
            let before = (server: serverCPU(), postgres: postgresCPUSeconds(), wall: ContinuousClock.now)
            let results = try await BenchWrk.runWaiting(
                wrk,
                ports.enumerated().map { index, port in
                    // The connections spread over the servers; any remainder goes to the first ones.
                    let share = total / ports.count + (index < total % ports.count ? 1 : 0)
                    return ["-t1", "-c\(max(1, share))", "-d\(duration)s", "--latency", "-s", script, "http://127.0.0.1:\(port)\(path)"]
                }
            )
            let wall = seconds(ContinuousClock.now - before.wall)
            let server = (serverCPU() - before.server) / wall
            let postgres = (postgresCPUSeconds() - before.postgres) / wall
            let load = results.reduce(0) { $0 + $1.cpuSeconds } / wall
            let busy = String(
                format: "CPU: servers %.2f, PostgreSQL %.2f, wrk %.2f of %.0f cores",
                server,
                postgres,
                load,
                cores
            )
            let summed = BenchWrk.Result(
                requestsPerSecond: results.reduce(0) { $0 + $1.requestsPerSecond },
                p50: results.map(\.p50).joined(separator: " / "),
                p99: results.map(\.p99).joined(separator: " / "),
                errors: results.reduce(0) { $0 + $1.errors },
                cpuSeconds: 0
            )
            return (summed, busy)
        }

        print("HTTP batch POSTs (\(httpBatch) events each, \(batchConnections) connections, \(duration) s):")
        let (batchResult, batchBusy) = try await load(connections: batchConnections, script: scripts + "/batch.lua", path: "/v1/events/batch")
        print(
            "  \(Int(batchResult.requestsPerSecond * Double(httpBatch))) events/s (\(String(format: "%.1f", batchResult.requestsPerSecond)) req/s, p99 \(batchResult.p99), non-2xx \(batchResult.errors))"
        )
        if ports.count > 1 || postgresCPUSeconds() > 0 { print("  " + batchBusy) }
        print("HTTP single-event POSTs (\(connections) connections, \(duration) s):")
        let (singleResult, singleBusy) = try await load(connections: connections, script: scripts + "/single.lua", path: "/v1/events")
        print("  \(Int(singleResult.requestsPerSecond)) req/s, p50 \(singleResult.p50), p99 \(singleResult.p99), non-2xx \(singleResult.errors)")
        if ports.count > 1 || postgresCPUSeconds() > 0 { print("  " + singleBusy) }
        return batchResult.requestsPerSecond * Double(httpBatch)
    }
}
