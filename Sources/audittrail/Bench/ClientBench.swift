import ArgumentParser
import AuditTrail
import AuditTrailClient
import Foundation
import Logging

/// `audittrail bench client`: events/s end to end through ``AuditClient`` (validation, spool
/// append, group fsync, NDJSON batches, acknowledgement), against the server's own HTTP batch
/// ingest of the same lines measured in the same run, alternately.
struct ClientBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Events/s through AuditClient (spool → HTTP batches) vs the server's HTTP batch ingest, alternately.",
        discussion: """
            Starts the server on a free loopback port: by default as a process of its own (`audittrail serve`,
            this binary, on a fresh data directory), as a client meets a server; with --server in-process
            inside this process, where the server's request handling and the client share one thread pool.
            Each round measures, alternately, on the same --events events (each side gives them ids of its
            own, so the server stores every side's anew):
              client end to end   AuditClient on a fresh spool (--in-flight batches on the wire, one ordered
                                  stream): `enqueue` for every event (validation, redaction, encoding, spool
                                  append) timed until the server has acknowledged the last one;
              direct              what a producer without the client does: encode each event and post NDJSON
                                  batches of --batch events to POST /v1/events/batch back to back on one
                                  connection, the encoding inside the clock;
              client backlog      a spool that already holds every event, fsynced (the backlog after an
                                  outage), shipped until the last acknowledgement;
              server, 1 / N       the same events pre-encoded before the clock, posted back to back on one
                                  connection, and on --in-flight connections at once (no order kept): the
                                  server's HTTP batch figures.
            Prints the rates and the CPU time per event (client and server processes together) per round,
            then the median ratios: end to end / direct, backlog / server on 1 connection, end to end /
            server on 1 connection, and both client figures / server on N connections.
            """
    )

    /// Where the bench runs the server.
    enum Placement: String, ExpressibleByArgument, CaseIterable {
        case child
        case inProcess = "in-process"
    }

    @Option(help: "Events per round and per side (by default one search-index chunk: each side pays for one chunk build).")
    var events = 65_536
    @Option(help: "Events per batch (the client's batch size and the reference's).") var batch = 500
    @Option(help: "Rounds (client, then reference, each round).") var rounds = 5
    @Option(name: .customLong("in-flight"), help: "The client's batches on the wire at once, and the second reference's connections.")
    var inFlight = 4
    @Option(help: "Where the server runs: child (a process of its own) or in-process.") var server: Placement = .child
    @Option(name: .customLong("data-dir"), help: "Where to write (default: a new temporary directory, removed afterwards).")
    var dataDirectory: String?

    func validate() throws {
        if !(1...10_000_000).contains(events) { throw ValidationError("--events: must be from 1 to 10000000") }
        if !(1...10_000).contains(batch) { throw ValidationError("--batch: must be from 1 to 10000") }
        if !(1...50).contains(rounds) { throw ValidationError("--rounds: must be from 1 to 50") }
        if !(1...64).contains(inFlight) { throw ValidationError("--in-flight: must be from 1 to 64") }
    }

    func run() async throws {
        var logger = Logger(label: "audittrail.bench")
        logger.logLevel = .warning
        let directory = dataDirectory ?? NSTemporaryDirectory() + "audittrail-bench-client-\(UInt32.random(in: 0...UInt32.max))"
        defer { if dataDirectory == nil { try? FileManager.default.removeItem(atPath: directory) } }
        let secret = "bench-" + AuditHex.string((0..<16).map { _ in UInt8.random(in: 0...255) })
        switch server {
        case .inProcess:
            try await withBenchServer(directory: directory + "/server", adminKey: secret, logger: logger) { port in
                try await measure(port: port, serverCPU: { 0 }, directory: directory, key: secret, logger: logger)
            }
        case .child:
            try FileManager.default.createDirectory(atPath: directory + "/server", withIntermediateDirectories: true)
            let child = try ChildServer(directory: directory + "/server", adminKey: secret, options: [])
            defer { child.stop() }
            try await measure(port: child.port, serverCPU: child.cpuSeconds, directory: directory, key: secret, logger: logger)
        }
    }

    /// The rounds against the server on `port`; `serverCPU` is the server process's CPU seconds
    /// so far (0 when it is this process, whose own time is counted anyway).
    private func measure(port: Int, serverCPU: @escaping @Sendable () -> Double, directory: String, key: String, logger: Logger) async throws {
        let server = "http://127.0.0.1:\(port)"
        let placement = self.server == .child ? "in its own process" : "in this process"
        print(
            "AuditClient (\(inFlight) in flight) vs HTTP batch ingest: \(events) events per side, batches of \(batch), \(rounds) rounds, server \(placement)"
        )
        let cpuSeconds = { @Sendable in processCPUSeconds() + serverCPU() }
        var ratios: [String: [Double]] = [:]
        for round in 1...rounds {
            var generator = BenchEventGenerator(seed: UInt64(round))
            let inputs = (0..<events).map { _ in generator.input() }
            let spool = directory + "/spool-\(round)"
            // Each side starts with the server idle: what the previous side left to the store's
            // background work (index chunks, checkpoints) is not charged to the next one.
            let client = { (backlog: Bool) in
                try await Self.settle(cpuSeconds)
                return try await clientRate(
                    inputs,
                    backlog: backlog,
                    server: server,
                    key: key,
                    spool: spool + (backlog ? "-b" : "-e"),
                    cpuSeconds: cpuSeconds,
                    logger: logger
                )
            }
            let reference = { (connections: Int, encodeInClock: Bool) in
                try await Self.settle(cpuSeconds)
                return try await referenceRate(
                    inputs,
                    server: server,
                    key: key,
                    connections: connections,
                    encodeInClock: encodeInClock,
                    cpuSeconds: cpuSeconds
                )
            }
            let endToEnd = try await client(false)
            let direct = try await reference(1, true)
            let backlog = try await client(true)
            let one = try await reference(1, false)
            let many = try await reference(inFlight, false)
            let pairs: [(String, Double)] = [
                ("end to end / direct", endToEnd.rate / direct.rate),
                ("backlog / server on 1 connection", backlog.rate / one.rate),
                ("end to end / server on 1 connection", endToEnd.rate / one.rate),
                ("end to end / server on \(inFlight) connections", endToEnd.rate / many.rate),
                ("backlog / server on \(inFlight) connections", backlog.rate / many.rate),
            ]
            for (name, ratio) in pairs { ratios[name, default: []].append(ratio) }
            func figure(_ name: String, _ measured: (rate: Double, cpu: Double)) -> String {
                "\(name) \(Int(measured.rate))/s (\(String(format: "%.1f", measured.cpu * 1e6)) µs CPU)"
            }
            print(
                "  round \(round): "
                    + [
                        figure("client end to end", endToEnd), figure("direct", direct), figure("client backlog", backlog),
                        figure("server 1", one), figure("server \(inFlight)", many),
                    ].joined(separator: ", ")
            )
            print("    " + pairs.map { "\($0.0) \(String(format: "%.2f", $0.1))" }.joined(separator: "; "))
        }
        for name in ratios.keys.sorted() {
            let values = ratios[name]!.sorted()
            print("median ratio \(name): \(String(format: "%.2f", values[values.count / 2]))")
        }
    }

    /// Waits (at most 30 s) until the processes measured use less than a tenth of a core.
    private static func settle(_ cpuSeconds: @Sendable () -> Double) async throws {
        for _ in 0..<150 {
            let before = cpuSeconds()
            try await Task.sleep(for: .milliseconds(200))
            if cpuSeconds() - before < 0.02 { return }
        }
    }

    /// Events/s through an ``AuditClient`` until the server has acknowledged the last event, and
    /// the CPU seconds per event meanwhile (client and server together). End to end the clock
    /// starts before the first `enqueue`; for a `backlog` every event is spooled and fsynced
    /// first and the clock starts with the sender.
    private func clientRate(
        _ inputs: [AuditEventInput],
        backlog: Bool,
        server: String,
        key: String,
        spool: String,
        cpuSeconds: @Sendable () -> Double,
        logger: Logger
    ) async throws -> (rate: Double, cpu: Double) {
        var configuration = AuditClient.Configuration(server: server, apiKey: key, spoolDirectory: spool)
        configuration.batchSize = batch
        configuration.maxBatchesInFlight = inFlight
        configuration.consistencyCheckInterval = nil
        let client = try AuditClient(configuration: configuration, logger: logger)
        if backlog {
            for input in inputs { try await Self.enqueue(input, into: client) }
            try await client.spool.syncAll()
        }
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = cpuSeconds()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            if !backlog {
                for input in inputs { try await Self.enqueue(input, into: client) }
            }
            while !client.spool.isDrained { try await Task.sleep(for: .milliseconds(2)) }
            group.cancelAll()
        }
        let elapsed = seconds(clock.now - start)
        let cpu = (cpuSeconds() - cpuStart) / Double(inputs.count)
        guard client.status.delivered == inputs.count else {
            throw ValidationError("the client delivered \(client.status.delivered) of \(inputs.count) events (\(client.status))")
        }
        try? FileManager.default.removeItem(atPath: spool)
        return (Double(inputs.count) / elapsed, cpu)
    }

    /// Enqueues `input`, waiting while the spool is full.
    private static func enqueue(_ input: AuditEventInput, into client: AuditClient) async throws {
        while case .failure(let error) = Result(catching: { () throws(AuditTrailError) in try client.enqueue(input) }) {
            guard error.code == .overloaded else { throw error }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Events/s of the events posted straight to `POST /v1/events/batch` as NDJSON batches, one
    /// after another on each of `connections` connections, and the CPU seconds per event. With
    /// `encodeInClock` each batch is encoded as it is sent (the producer's own JSON, no client-side
    /// validation: the server gives the ids); otherwise the events are validated (new ids) and
    /// encoded before the clock starts.
    private func referenceRate(
        _ inputs: [AuditEventInput],
        server: String,
        key: String,
        connections: Int,
        encodeInClock: Bool,
        cpuSeconds: @escaping @Sendable () -> Double
    ) async throws -> (rate: Double, cpu: Double) {
        let slices = stride(from: 0, to: inputs.count, by: batch).map { inputs[$0..<min($0 + batch, inputs.count)] }
        let ndjson = { @Sendable (events: ArraySlice<AuditEventInput>) -> [UInt8] in
            var body: [UInt8] = []
            for input in events {
                body += input.jsonBytes
                body.append(UInt8(ascii: "\n"))
            }
            return body
        }
        var bodies: [[UInt8]] = []
        if !encodeInClock {
            let validator = AuditEventValidator()
            for slice in slices { bodies.append(ndjson(try slice.map { AuditEventInput(try validator.validate($0)) }[...])) }
        }
        let shares = (0..<connections).map { worker in Array(stride(from: worker, to: slices.count, by: connections)) }
        let connection = try AuditServerConnection(configuration: .init(server: server, apiKey: key))
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = cpuSeconds()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for share in shares {
                    group.addTask { [bodies] in
                        for index in share {
                            let body = encodeInClock ? ndjson(slices[index]) : bodies[index]
                            try await connection.post("/v1/events/batch", body: body, contentType: "application/x-ndjson")
                                .requireSuccess("POST /v1/events/batch")
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            try? await connection.shutdown()
            throw error
        }
        let elapsed = seconds(clock.now - start)
        let cpu = (cpuSeconds() - cpuStart) / Double(inputs.count)
        try await connection.shutdown()
        return (Double(inputs.count) / elapsed, cpu)
    }
}
