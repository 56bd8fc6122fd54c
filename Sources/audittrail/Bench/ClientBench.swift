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
            Starts the server in this process on loopback port 0 (as `bench ingest --http` does). Each round
            first ships --events events through an AuditClient on a fresh spool (--in-flight batches on the
            wire, one ordered stream) — `enqueue` for every event, timed until the server has acknowledged
            the last one — then posts the same events (validated again, so with ids of their own: the server
            stores them anew), pre-encoded, as NDJSON batches of --batch events straight to
            POST /v1/events/batch: once back to back on one connection, once on --in-flight connections at
            once (no order kept): the server's HTTP batch figures. Prints the rates and both ratios per
            round, then the median ratios.
            """
    )

    @Option(help: "Events per round and per side.") var events = 50_000
    @Option(help: "Events per batch (the client's batch size and the reference's).") var batch = 500
    @Option(help: "Rounds (client, then reference, each round).") var rounds = 5
    @Option(name: .customLong("in-flight"), help: "The client's batches on the wire at once, and the second reference's connections.")
    var inFlight = 4
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
        try await withBenchServer(directory: directory + "/server", adminKey: secret, logger: logger) { port in
            let server = "http://127.0.0.1:\(port)"
            print(
                "AuditClient (\(inFlight) in flight) vs the server's HTTP batch ingest: \(events) events per side, batches of \(batch), \(rounds) rounds"
            )
            var serial: [Double] = []
            var parallel: [Double] = []
            for round in 1...rounds {
                var generator = BenchEventGenerator(seed: UInt64(round))
                let inputs = (0..<events).map { _ in generator.input() }
                let client = try await clientRate(inputs, server: server, key: secret, spool: directory + "/spool-\(round)", logger: logger)
                let one = try await referenceRate(inputs, server: server, key: secret, connections: 1)
                let many = try await referenceRate(inputs, server: server, key: secret, connections: inFlight)
                serial.append(client / one)
                parallel.append(client / many)
                print(
                    "  round \(round): client \(Int(client)) events/s; server HTTP batch on 1 connection \(Int(one)) events/s (ratio \(String(format: "%.2f", client / one))), on \(inFlight) connections \(Int(many)) events/s (ratio \(String(format: "%.2f", client / many)))"
                )
            }
            print("median ratio client / server HTTP batch on 1 connection: \(String(format: "%.2f", serial.sorted()[serial.count / 2]))")
            print(
                "median ratio client / server HTTP batch on \(inFlight) connections: \(String(format: "%.2f", parallel.sorted()[parallel.count / 2]))"
            )
        }
    }

    /// Events/s from the first `enqueue` to the server's acknowledgement of the last event.
    private func clientRate(_ inputs: [AuditEventInput], server: String, key: String, spool: String, logger: Logger) async throws -> Double {
        var configuration = AuditClient.Configuration(server: server, apiKey: key, spoolDirectory: spool)
        configuration.batchSize = batch
        configuration.maxBatchesInFlight = inFlight
        configuration.consistencyCheckInterval = nil
        let client = try AuditClient(configuration: configuration, logger: logger)
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            for input in inputs {
                try await Self.enqueue(input, into: client)
            }
            while !client.spool.isDrained { try await Task.sleep(for: .milliseconds(2)) }
            group.cancelAll()
        }
        let elapsed = seconds(clock.now - start)
        guard client.status.delivered == inputs.count else {
            throw ValidationError("the client delivered \(client.status.delivered) of \(inputs.count) events (\(client.status))")
        }
        try? FileManager.default.removeItem(atPath: spool)
        return Double(inputs.count) / elapsed
    }

    /// Enqueues `input`, waiting while the spool is full.
    private static func enqueue(_ input: AuditEventInput, into client: AuditClient) async throws {
        while case .failure(let error) = Result(catching: { () throws(AuditTrailError) in try client.enqueue(input) }) {
            guard error.code == .overloaded else { throw error }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Events/s of the same events (validated here, with new ids) posted straight to `POST /v1/events/batch`, one
    /// batch after another on each of `connections` connections (encoding done before the clock starts).
    private func referenceRate(_ inputs: [AuditEventInput], server: String, key: String, connections: Int) async throws -> Double {
        let validator = AuditEventValidator()
        var bodies: [[UInt8]] = []
        for start in stride(from: 0, to: inputs.count, by: batch) {
            var body: [UInt8] = []
            for input in inputs[start..<min(start + batch, inputs.count)] {
                body += AuditEventInput(try validator.validate(input)).jsonBytes
                body.append(UInt8(ascii: "\n"))
            }
            bodies.append(body)
        }
        let shares = (0..<connections).map { worker in stride(from: worker, to: bodies.count, by: connections).map { bodies[$0] } }
        let connection = try AuditServerConnection(configuration: .init(server: server, apiKey: key))
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for share in shares {
                    group.addTask {
                        for body in share {
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
        try await connection.shutdown()
        return Double(inputs.count) / elapsed
    }
}
