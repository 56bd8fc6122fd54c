import ArgumentParser
import AuditTrail
import Foundation
import Hummingbird
import Logging

/// `audittrail bench http`: single-event POSTs against the server and against Hummingbird's own
/// floor on this machine — a Hummingbird 2 server that only reads the body and answers the same
/// 201 JSON — alternated in one sitting, with the ratio of each pair and their median.
struct HTTPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Single-event POSTs: the server against a Hummingbird floor server, alternated, as ratios.",
        discussion: """
            Starts `audittrail serve` (a new SQLite log, synchronous=FULL, every default) and `audittrail bench \
            floor-server` (Hummingbird 2, the same HTTP/1.1 server, a route that reads the body and answers a 201 with \
            a JSON body shaped like the server's), each as a child process on a loopback port, then runs `wrk -t1` \
            against POST /v1/events with the same ~390-byte event on each, alternating which goes first, --rounds \
            times. Prints each run and the median ratios (requests/s, and p99 latency).
            """
    )

    @Option(help: "Pairs of runs.") var rounds = 3
    @Option(help: "Seconds per wrk run.") var duration = 10
    @Option(help: "wrk connections.") var connections = 64
    @Option(name: .customLong("server-option"), parsing: .unconditionalSingleValue, help: "An option passed to serve (repeatable).")
    var serverOptions: [String] = []

    func validate() throws {
        if !(1...50).contains(rounds) { throw ValidationError("--rounds: must be from 1 to 50") }
        if !(1...300).contains(duration) { throw ValidationError("--duration: must be from 1 to 300 seconds") }
        if !(1...1024).contains(connections) { throw ValidationError("--connections: must be from 1 to 1024") }
    }

    func run() async throws {
        let wrk = try BenchWrk.executable()
        let directory = NSTemporaryDirectory() + "audittrail-http-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for part in ["server", "floor"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + part, withIntermediateDirectories: true)
        }
        let secret = "bench-" + AuditHex.string((0..<16).map { _ in UInt8.random(in: 0...255) })
        var generator = BenchEventGenerator(seed: 42)
        let script = directory + "/single.lua"
        try BenchWrk.postScript(body: generator.json(), secret: secret).write(toFile: script, atomically: true, encoding: .utf8)

        let server = try ChildServer(directory: directory + "/server", adminKey: secret, options: serverOptions)
        defer { server.stop() }
        let floor = try ChildServer(
            directory: directory + "/floor",
            adminKey: secret,
            options: [],
            command: ["bench", "floor-server", "--port", "0"]
        )
        defer { floor.stop() }
        print("HTTP single-event POSTs, \(connections) connections, \(duration) s per run, \(rounds) pairs alternated:")
        var throughput: [Double] = []
        var tail: [Double] = []
        for round in 1...rounds {
            let order: [(name: String, child: ChildServer)] =
                round % 2 == 1 ? [("floor", floor), ("audittrail", server)] : [("audittrail", server), ("floor", floor)]
            var results: [String: BenchWrk.Result] = [:]
            for (name, child) in order {
                let cpuBefore = child.cpuSeconds()
                let started = ContinuousClock.now
                let result = try await BenchWrk.runWaiting(
                    wrk,
                    [["-t1", "-c\(connections)", "-d\(duration)s", "--latency", "-s", script, "http://127.0.0.1:\(child.port)/v1/events"]]
                )[0]
                let cores = (child.cpuSeconds() - cpuBefore) / seconds(ContinuousClock.now - started)
                results[name] = result
                print(
                    "  round \(round) \(name): \(Int(result.requestsPerSecond)) req/s, p50 \(result.p50), p99 \(result.p99), non-2xx \(result.errors), server \(String(format: "%.2f", cores)) cores"
                )
            }
            guard let ours = results["audittrail"], let theirs = results["floor"] else { continue }
            throughput.append(ours.requestsPerSecond / theirs.requestsPerSecond)
            if let a = ours.p99Milliseconds, let b = theirs.p99Milliseconds, b > 0 { tail.append(a / b) }
            print(
                String(format: "  round %d: audittrail/floor %.2f× req/s", round, throughput.last!)
                    + (tail.count == throughput.count ? String(format: ", p99 %.2f× the floor's", tail.last!) : "")
            )
        }
        print(
            "Median of \(throughput.count) pairs: \(String(format: "%.2f", median(throughput)))× the floor's req/s"
                + (tail.isEmpty ? "" : ", p99 \(String(format: "%.2f", median(tail)))× the floor's p99")
        )
    }
}

/// `audittrail bench floor-server`: the reference of `bench http` — Hummingbird 2 with the
/// server's HTTP settings and one route, `POST /v1/events`, that reads the body (refusing more than
/// the server's limit) and answers 201 with a constant JSON body shaped like the server's answer.
struct FloorServerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "floor-server",
        abstract: "The Hummingbird floor server that bench http compares with (reads the body, answers 201 JSON).",
        shouldDisplay: false
    )

    @Option(help: "Port on 127.0.0.1 (0: a free one, printed).") var port = 0

    func validate() throws {
        if !(0...65_535).contains(port) { throw ValidationError("--port: must be from 0 to 65535") }
    }

    func run() async throws {
        let answer = ByteBuffer(
            string:
                #"{"id":"019aee4c-7d1e-7a3b-9c41-2b9f0c1d2e3f","seq":1234567,"hash":"9f2c4b0e6a1d3c5e7f9a0b2c4d6e8f0a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e","received_at":"2026-12-05T21:00:00.000Z"}"#
        )
        let router = Router()
        router.post("/v1/events") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: answer))
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "floor"),
            onServerRunning: { channel in
                // Written at once (not through print's buffer): the bench reads it from the file.
                FileHandle.standardOutput.write(Data("listening on http://127.0.0.1:\(channel.localAddress?.port ?? 0)\n".utf8))
            },
            logger: Logger(label: "floor") { _ in SwiftLogNoOpLogHandler() }
        )
        try await app.runService()
    }
}
