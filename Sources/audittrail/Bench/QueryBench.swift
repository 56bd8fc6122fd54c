import ArgumentParser
import AuditTrail
import AuditTrailClient
import AuditTrailPostgres
import AuditTrailSQLite
import Foundation
import Logging
import ServiceLifecycle

/// `audittrail bench query`: read latency per query class over a large log, in-process and over
/// HTTP, each as a ratio to the unfiltered newest-100 page (the floor), measured in one run.
struct QueryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Read latency per query class (filters, search, full text, stats) over a large log, as ratios to the unfiltered page.",
        discussion: """
            Uses the log in --data-dir, first appending benchmark events until it holds --events (so a \
            directory is built once and reused; without --data-dir a temporary one is used). Query values \
            (an actor, an action, an address block, a resource, a correlation id) are taken from the log's \
            newest event. Each class runs --runs times after one warm-up, in-process on the store and then \
            over HTTP against the server on the same directory (one request per connection); p50 and p99 \
            are printed with the ratio of each p50 to the floor's. The HTTP pass first times one request \
            of each class right after the server starts (cold, the first seconds after a restart).

            With --database-url the log is PostgreSQL's, in the URL's schema (default `bench_query`, kept \
            and reused like --data-dir; the role must be allowed to create it), and the HTTP pass runs a \
            server on it; --data-dir then only holds the signing key.
            """
    )

    @Option(help: "Events the log must hold (appended if it has fewer).") var events = 1_000_000
    @Option(name: .customLong("data-dir"), help: "The log to use (and keep); default a temporary directory.")
    var dataDirectory: String?
    @Option(help: "Timed runs per class (after one warm-up).") var runs = 9
    @Flag(name: .customLong("no-http"), help: "Only in-process.") var noHTTP = false
    @OptionGroup var database: DatabaseURLOption

    func validate() throws {
        if !(1...100_000_000).contains(events) { throw ValidationError("--events: must be from 1 to 100000000") }
        if !(3...10_000).contains(runs) { throw ValidationError("--runs: must be from 3 to 10000") }
    }

    /// One query class: its name and its URL parameters (`stats` marks a stats request).
    struct QueryClass {
        var name: String
        var parameters: [(String, String)]
        var stats = false
    }

    func run() async throws {
        var logger = Logger(label: "audittrail.bench")
        logger.logLevel = .warning
        let directory = dataDirectory ?? NSTemporaryDirectory() + "audittrail-bench-query-\(UInt32.random(in: 0...UInt32.max))"
        defer { if dataDirectory == nil { try? FileManager.default.removeItem(atPath: directory) } }

        let postgres = try database.configuration().map { configuration in
            var configuration = configuration
            let url = database.url ?? ProcessInfo.processInfo.environment["AUDITTRAIL_DATABASE_URL"] ?? ""
            if !url.contains("schema=") { configuration.schema = "bench_query" }
            return configuration
        }
        let classes: [QueryClass]
        if let postgres {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            classes = try await PostgresAuditStore.withStore(configuration: postgres, logger: logger) { store in
                try await measureInProcess(
                    store,
                    at: "\(postgres.host):\(postgres.port)/\(postgres.database), schema \(postgres.schema)",
                    directory: directory,
                    logger: logger
                )
            }
        } else {
            var store = try await SQLiteAuditStore.open(configuration: .init(directory: directory), logger: logger)
            if try await fill(store, directory: directory, logger: logger) {
                try await store.close()
                store = try await SQLiteAuditStore.open(configuration: .init(directory: directory), logger: logger)
            }
            classes = try await measureInProcess(store, at: directory, directory: directory, logger: logger)
            try await store.close()
        }

        guard !noHTTP else { return }
        let key = "bench-" + AuditHex.string((0..<16).map { _ in UInt8.random(in: 0...255) })
        print("\nOver HTTP (127.0.0.1, one kept-alive connection), \(runs) runs each; cold = the first request right after the start:")
        var overHTTP: [String: [Double]] = [:]
        var cold: [String: Double] = [:]
        try await withBenchServer(directory: directory, database: postgres, adminKey: key, logger: logger) { port in
            let started = ContinuousClock.now
            let connection = try AuditServerConnection(configuration: .init(server: "http://127.0.0.1:\(port)", apiKey: key))
            func get(_ queryClass: QueryClass) async throws -> Double {
                let path = ServerOptions.path(queryClass.stats ? "/v1/stats" : "/v1/events", queryClass.parameters)
                let start = ContinuousClock.now
                let response = try await connection.get(path)
                let elapsed = seconds(ContinuousClock.now - start)
                guard response.status == 200 else {
                    throw ValidationError("\(queryClass.name): GET \(path) answered \(response.status): \(response.text)")
                }
                return elapsed
            }
            do {
                for queryClass in classes { cold[queryClass.name] = try await get(queryClass) }
                print("  (the cold pass ended \(String(format: "%.1f", seconds(ContinuousClock.now - started))) s after the server listened)")
                for queryClass in classes {
                    var times: [Double] = []
                    for run in 0...runs {
                        let elapsed = try await get(queryClass)
                        if run > 0 { times.append(elapsed) }
                    }
                    overHTTP[queryClass.name] = times
                }
            } catch {
                try? await connection.shutdown()
                throw error
            }
            try await connection.shutdown()
        }
        Self.printTable(classes, overHTTP, cold: cold)
    }

    /// Appends benchmark events to `store` until it holds ``events``; whether it appended.
    private func fill(_ store: some AuditStore & AuditCheckpointStore & Service, directory: String, logger: Logger) async throws -> Bool {
        let have = try await store.head().seq
        guard have < events else { return false }
        print("Appending \(events - Int(have)) events (\(have) there)…")
        let elapsed = try await benchIngest(
            into: store,
            directory: directory,
            events: events - Int(have),
            batch: 10_000,
            producers: 2,
            checkpointEvents: 1000,
            logger: logger
        )
        print("  appended in \(String(format: "%.1f", elapsed)) s")
        return true
    }

    /// Fills `store` when it holds too few events, then times each class in-process and prints the table.
    /// Returns the classes (their values come from the log's newest event).
    private func measureInProcess(
        _ store: some AuditStore & AuditCheckpointStore & Service,
        at place: String,
        directory: String,
        logger: Logger
    ) async throws -> [QueryClass] {
        _ = try await fill(store, directory: directory, logger: logger)
        let classes = try await Self.classes(from: store)
        print("Log: \(try await store.head().seq) events in \(place)")
        print("\nIn-process (store.events / store.stats), \(runs) runs each:")
        var inProcess: [String: [Double]] = [:]
        for queryClass in classes {
            let query = try AuditQuery(parameters: queryClass.parameters, allowed: queryClass.stats ? ["bucket", "group_by", "top"] : [])
            let statsRequest = queryClass.stats ? try AuditStatsRequest(parameters: queryClass.parameters) : AuditStatsRequest()
            var times: [Double] = []
            for run in 0...runs {
                let start = ContinuousClock.now
                if queryClass.stats {
                    _ = try await store.stats(statsRequest)
                } else {
                    _ = try await store.events(matching: query)
                }
                if run > 0 { times.append(seconds(ContinuousClock.now - start)) }
            }
            inProcess[queryClass.name] = times
        }
        Self.printTable(classes, inProcess)
        return classes
    }

    /// The classes of the read-path issue's table, with values from the newest event.
    static func classes(from store: some AuditStoreReader) async throws -> [QueryClass] {
        var newest = AuditQuery()
        newest.limit = 1
        newest.action = .prefix("data.")
        var found = try await store.events(matching: newest).events.first
        if found == nil { found = try await store.events(matching: AuditQuery()).events.first }
        guard let stored = found else { throw ValidationError("the log is empty") }
        let event = try stored.decoded()
        let actor = event.actor?.id ?? "u-1"
        let action = event.action
        let ip = event.actor?.ip.flatMap { text -> String? in
            let parts = text.split(separator: ".")
            return parts.count == 4 ? parts.prefix(3).joined(separator: ".") + ".0/24" : nil
        }
        var classes: [QueryClass] = [
            .init(name: "newest 100, no filter (floor)", parameters: [("limit", "100")]),
            .init(name: "actor, newest 50", parameters: [("actor", actor), ("limit", "50")]),
            .init(name: "action", parameters: [("action", action)]),
            .init(name: "action + outcome=failure", parameters: [("action", action), ("outcome", "failure")]),
            .init(name: "action prefix + actor", parameters: [("action", String(action.prefix { $0 != "." }) + ".*"), ("actor", actor)]),
        ]
        if let ip { classes.append(.init(name: "ip /24", parameters: [("ip", ip)])) }
        if let resource = event.resource?.id { classes.append(.init(name: "resource_id", parameters: [("resource_id", resource)])) }
        if let correlation = event.request?.correlationID {
            classes.append(.init(name: "correlation_id", parameters: [("correlation_id", correlation)]))
        }
        if let tag = event.tags.first { classes.append(.init(name: "tag", parameters: [("tag", tag)])) }
        classes += [
            .init(
                name: "q: actor action:prefix -outcome",
                parameters: [("q", "actor:\(actor) action:\(action.prefix { $0 != "." }).* -outcome:success")]
            ),
            .init(name: "q: OR", parameters: [("q", "outcome:failure OR outcome:denied")]),
            .init(name: "q: prefix word invoi*", parameters: [("q", "invoi*")]),
            .init(name: "q: phrase", parameters: [("q", "\"User \(actor) performed\"")]),
            .init(name: "stats, 24 h by hour", parameters: [("hours", "24"), ("bucket", "hour")], stats: true),
            .init(name: "stats, 24 h, top 10 actors", parameters: [("hours", "24"), ("group_by", "actor"), ("top", "10")], stats: true),
            .init(name: "stats, action=…, 24 h", parameters: [("action", action), ("hours", "24")], stats: true),
        ]
        return classes
    }

    static func printTable(_ classes: [QueryClass], _ times: [String: [Double]], cold: [String: Double]? = nil) {
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
        }
        func ms(_ value: Double) -> String { String(format: "%.2f ms", value * 1000) }
        let floor = percentile(times[classes[0].name] ?? [1], 0.5)
        var header = ["class", "p50", "p99", "p50 / floor"]
        if cold != nil { header += ["cold", "cold / floor"] }
        var rows: [[String]] = []
        for queryClass in classes {
            guard let values = times[queryClass.name] else { continue }
            let p50 = percentile(values, 0.5)
            var row = [queryClass.name, ms(p50), ms(percentile(values, 0.99)), String(format: "%.1f×", p50 / floor)]
            if let cold, let first = cold[queryClass.name] { row += [ms(first), String(format: "%.1f×", first / floor)] }
            rows.append(row)
        }
        print(renderTable(header: header, rows: rows))
    }
}
