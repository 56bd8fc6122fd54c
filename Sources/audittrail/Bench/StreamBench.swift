import ArgumentParser
import AuditTrail
import AuditTrailClient
import AuditTrailSQLite
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// `audittrail bench stream`: how fast a stream backfills the log to a local receiver — a
/// webhook (a Hummingbird server in this process), syslog over TCP (a NIO server that reads to
/// the end) and a files directory — against the reference of the same sitting: a `jsonl` export
/// of the same events over HTTP (what one client reading the log can take). Runs alternate.
struct StreamBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Stream throughput: a backfill of the log to local receivers, against a jsonl export in the same sitting."
    )

    @Option(help: "Events in the log.") var events = 200_000
    @Option(name: .customLong("batch-events"), help: "The streams' batch size.") var batchEvents = 1000
    @Option(help: "Alternating rounds.") var runs = 3
    @Option(help: "Destinations, comma-separated: webhook, syslog, files.") var destinations = "webhook,syslog,files"

    func validate() throws {
        if !(1_000...50_000_000).contains(events) { throw ValidationError("--events: must be from 1000 to 50000000") }
        if !(1...10_000).contains(batchEvents) { throw ValidationError("--batch-events: must be from 1 to 10000") }
        if !(1...100).contains(runs) { throw ValidationError("--runs: must be from 1 to 100") }
        let names = destinations.split(separator: ",").map(String.init)
        if names.isEmpty || !names.allSatisfy(["webhook", "syslog", "files"].contains) {
            throw ValidationError("--destinations: a comma-separated list of webhook, syslog, files")
        }
    }

    func run() async throws {
        var logger = Logger(label: "audittrail.bench")
        logger.logLevel = .warning
        let directory = NSTemporaryDirectory() + "audittrail-bench-stream-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteAuditStore.open(configuration: .init(directory: directory), logger: logger)
        print("Appending \(events) events…")
        _ = try await benchIngest(
            into: store,
            directory: directory,
            events: events,
            batch: 10_000,
            producers: 2,
            checkpointEvents: 1000,
            logger: logger
        )
        try await store.close()

        let webhook = BenchWebhookReceiver()
        let syslog = BenchSyslogReceiver()
        try await webhook.start()
        try await syslog.start()
        let key = "bench-" + AuditHex.string((0..<16).map { _ in UInt8.random(in: 0...255) })
        var times: [String: [Double]] = [:]
        var bytes: [String: Int] = [:]
        try await withBenchServer(directory: directory, adminKey: key, logger: logger) { port in
            let connection = try AuditServerConnection(configuration: .init(server: "http://127.0.0.1:\(port)", apiKey: key))
            defer { Task { try? await connection.shutdown() } }
            for round in 1...runs {
                let start = ContinuousClock.now
                var exported = 0
                let response = try await connection.stream("/v1/export?format=jsonl") { piece in exported += piece.count }
                guard response.status == 200 else { throw ValidationError("export answered \(response.status)") }
                times["export", default: []].append(seconds(ContinuousClock.now - start))
                bytes["export"] = exported
                for name in destinations.split(separator: ",").map(String.init) {
                    let destination: String
                    switch name {
                    case "webhook": destination = #"{"type":"webhook","url":"http://127.0.0.1:\#(webhook.port)/"}"#
                    case "syslog": destination = #"{"type":"syslog","host":"127.0.0.1","port":\#(syslog.port),"transport":"tcp"}"#
                    default: destination = #"{"type":"files","directory":"bench-\#(round)"}"#
                    }
                    let (elapsed, through) = try await Self.backfill(connection, destination: destination, batchEvents: batchEvents)
                    times[name, default: []].append(elapsed)
                    if through < events { throw ValidationError("\(name): delivered through \(through) of \(events)") }
                }
                print("  round \(round) done")
            }
        }
        bytes["webhook"] = webhook.bytes.load(ordering: .relaxed) / runs
        bytes["syslog"] = syslog.bytes.load(ordering: .relaxed) / runs
        await webhook.stop()
        try? await syslog.stop()
        let reference = median(times["export"] ?? [1])
        print("\nBackfill of \(events) events (batches of \(batchEvents)), median of \(runs) alternating rounds:")
        print("  destination   seconds   events/s   MiB/s    ratio to the jsonl export")
        for name in ["export"] + destinations.split(separator: ",").map(String.init) {
            let time = median(times[name] ?? [0])
            let rate = Double(events) / time
            let mib = bytes[name].map { String(format: "%7.1f", Double($0) / time / 1_048_576) } ?? "      -"
            let label = name.padding(toLength: 12, withPad: " ", startingAt: 0)
            print("  " + label + String(format: " %8.2f %10.0f  ", time, rate) + mib + String(format: "   %.2fx", reference / time))
        }
    }

    /// Creates a stream from the beginning, waits until it delivered the whole log, deletes it;
    /// (seconds, the seq it delivered through).
    static func backfill(_ connection: AuditServerConnection, destination: String, batchEvents: Int) async throws -> (Double, Int) {
        let body = #"{"name":"bench","destination":\#(destination),"batch_events":\#(batchEvents),"linger_ms":0}"#
        let start = ContinuousClock.now
        let created = try await connection.post("/v1/streams", body: Array(body.utf8))
        guard created.status == 201, let id = (try JSONParser.parse(created.body))["id"]?.stringValue else {
            throw ValidationError("POST /v1/streams answered \(created.status): \(created.text)")
        }
        let head = (try JSONParser.parse(created.body))["status"]?["lag_events"]?.int64Value ?? 0
        var through: Int64 = 0
        while through < head {
            try await Task.sleep(for: .milliseconds(20))
            let listed = try JSONParser.parse(try await connection.get("/v1/streams").body)
            let stream = listed["streams"]?.arrayValue?.first { $0["id"]?.stringValue == id }
            through = stream?["status"]?["delivered_through"]?.int64Value ?? 0
            if let error = stream?["status"]?["last_error"]?.stringValue { throw ValidationError("the stream failed: \(error)") }
        }
        let elapsed = seconds(ContinuousClock.now - start)
        _ = try await connection.send("DELETE", "/v1/streams/\(id)", body: nil)
        return (elapsed, Int(through))
    }
}

/// A webhook receiver that counts what it is sent and answers 200.
final class BenchWebhookReceiver: Sendable {
    let bytes = Atomic<Int>(0)
    private let running = Mutex<Task<Void, any Error>?>(nil)
    private let bound = Mutex(0)
    var port: Int { bound.withLock { $0 } }

    func start() async throws {
        let router = Router()
        router.post("/") { [self] request, _ -> Response in
            var count = 0
            for try await piece in request.body { count += piece.readableBytes }
            bytes.add(count, ordering: .relaxed)
            return Response(status: .ok)
        }
        let (ready, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "bench-receiver"),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
            logger: Logger(label: "bench-receiver") { _ in SwiftLogNoOpLogHandler() }
        )
        running.withLock { $0 = Task { try await app.runService(gracefulShutdownSignals: []) } }
        var iterator = ready.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        bound.withLock { $0 = port }
    }

    func stop() async {
        guard let task = running.withLock({ $0 }) else { return }
        task.cancel()
        _ = await task.result
    }
}

/// A syslog receiver that reads each connection to its end, counting bytes (and closes its side
/// then, as syslog receivers do).
final class BenchSyslogReceiver: Sendable {
    let bytes = Atomic<Int>(0)
    private let channel = Mutex<(any Channel)?>(nil)
    var port: Int { channel.withLock { $0?.localAddress?.port ?? 0 } }

    func start() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { [self] child in
                child.eventLoop.makeCompletedFuture { try child.pipeline.syncOperations.addHandler(Counter(receiver: self)) }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        channel.withLock { $0 = server }
    }

    func stop() async throws {
        try await channel.withLock { $0 }?.close()
    }

    final class Counter: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let receiver: BenchSyslogReceiver
        init(receiver: BenchSyslogReceiver) { self.receiver = receiver }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            receiver.bytes.add(unwrapInboundIn(data).readableBytes, ordering: .relaxed)
        }
    }
}
