import ArgumentParser
import AuditTrail
import AuditTrailClient
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `audittrail bench soak`: the server as a child process under steady load for a long time, its
/// resources sampled at a fixed interval into a CSV.
struct SoakBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract:
            "Long-run stability: single POSTs at half the peak rate, with queries, exports and key changes; RSS, open files, WAL and p99 sampled into a CSV.",
        discussion: """
            Starts `audittrail serve` (this binary) on a free loopback port with a fresh data directory,
            measures the peak rate of single-event POSTs from --writers kept-alive connections for
            --peak-seconds (unless --rate is given), then for --minutes sends single POSTs at half that
            rate (paced, from --writers connections) while two readers search and aggregate without
            pause (GET /v1/events?q=…, GET /v1/stats), an auditor exports the last minutes every 60 s
            (GET /v1/export, streamed) and an admin creates and revokes a key every 30 s. Every
            --interval seconds it writes one CSV row: the server's RSS and open files (/proc), the size
            of its WAL files, the write and read p50/p99 of the interval, events stored and errors.
            At the end it asks the server to verify the log (POST /v1/verify) and prints RSS and file
            counts after the warm-up (the first fifth) with their trend per hour. Plot the CSV with
            `python3 Benchmarks/soak-plot.py soak.csv soak.png` (matplotlib).
            """
    )

    @Option(help: "Minutes of load after the peak measurement.") var minutes: Double = 30
    @Option(help: "Single POSTs per second (default: half the measured peak).") var rate: Double?
    @Option(help: "Seconds between samples.") var interval: Int = 10
    @Option(help: "Writer connections.") var writers: Int = 16
    @Option(name: .customLong("peak-seconds"), help: "Seconds of the peak measurement.") var peakSeconds: Int = 10
    @Option(help: "Where to write the samples.") var csv: String = "soak.csv"
    @Option(name: .customLong("data-dir"), help: "The server's data directory (default: a new temporary one, removed afterwards).")
    var dataDirectory: String?
    @Option(
        name: .customLong("server-option"),
        parsing: .unconditionalSingleValue,
        help: "An option for `audittrail serve` (repeat for several), e.g. --server-option=--index-cache-mib=32."
    )
    var serverOptions: [String] = []

    func validate() throws {
        if !(minutes > 0 && minutes <= 7 * 24 * 60) { throw ValidationError("--minutes: must be more than 0 and at most 10080") }
        if let rate, !(rate > 0 && rate <= 1_000_000) { throw ValidationError("--rate: must be more than 0 and at most 1000000") }
        if !(1...3600).contains(interval) { throw ValidationError("--interval: must be from 1 to 3600 seconds") }
        if !(1...256).contains(writers) { throw ValidationError("--writers: must be from 1 to 256") }
        if !(1...600).contains(peakSeconds) { throw ValidationError("--peak-seconds: must be from 1 to 600") }
    }

    func run() async throws {
        let work = dataDirectory ?? NSTemporaryDirectory() + "audittrail-soak-\(UInt32.random(in: 0...UInt32.max))"
        defer { if dataDirectory == nil { try? FileManager.default.removeItem(atPath: work) } }
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let key = "soak-admin-" + AuditHex.string((0..<12).map { _ in UInt8.random(in: 0...255) })
        let server = try ChildServer(directory: work, adminKey: key, options: serverOptions)
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        print("Server pid \(server.process.pid) on \(base), data in \(work)/data")

        var connections: [AuditServerConnection] = []
        for _ in 0..<(writers + 4) { connections.append(try AuditServerConnection(configuration: .init(server: base, apiKey: key))) }
        defer { for connection in connections { Task { try? await connection.shutdown() } } }

        let perSecond: Double
        if let rate {
            perSecond = rate
        } else {
            let peak = try await measurePeak(Array(connections.prefix(writers)))
            perSecond = max(1, peak / 2)
            print("Peak single POSTs: \(Int(peak))/s over \(peakSeconds) s from \(writers) connections; soaking at \(Int(perSecond))/s")
        }
        let samples = try await soak(connections, server: server, rate: perSecond)
        try report(samples)
        let verified = try await connections[0].post("/v1/verify", body: Array("{}".utf8)).json()
        let ok = verified["ok"] == .bool(true)
        print("verify: \(ok ? "passed" : "FAILED"), \(verified["checked"]?.int64Value ?? 0) events checked")
        guard ok, samples.allSatisfy({ $0.serverAlive }) else { throw ExitCode(1) }
    }

    /// Closed-loop single POSTs from every connection for `peakSeconds`: stored events per second.
    private func measurePeak(_ connections: [AuditServerConnection]) async throws -> Double {
        let end = ContinuousClock.now + .seconds(peakSeconds)
        let stored = Tally()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, connection) in connections.enumerated() {
                group.addTask {
                    var sent = 0
                    while ContinuousClock.now < end {
                        let response = try await connection.post("/v1/events", body: Self.event(writer: index, number: sent, phase: "peak"))
                        stored.write(0, ok: response.status == 201)
                        sent += 1
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(stored.take().stored) / seconds(ContinuousClock.now - start)
    }

    /// What the load tasks share with the sampler.
    final class Tally: Sendable {
        let state = Mutex((writes: [Double](), reads: [Double](), stored: 0, errors: 0))

        func write(_ milliseconds: Double, ok: Bool) {
            state.withLock {
                $0.writes.append(milliseconds)
                if ok { $0.stored += 1 } else { $0.errors += 1 }
            }
        }

        func read(_ milliseconds: Double, ok: Bool) {
            state.withLock {
                $0.reads.append(milliseconds)
                if !ok { $0.errors += 1 }
            }
        }

        func error() { state.withLock { $0.errors += 1 } }

        /// Prints the first failures, so a soak's error count says what failed.
        let reported = Mutex(0)
        func report(_ what: String) {
            let show = reported.withLock { count in
                count += 1
                return count <= 20
            }
            if show { FileHandle.standardError.write(Data("soak: \(what)\n".utf8)) }
        }

        /// The interval's latencies (then cleared) and the running totals.
        func take() -> (writes: [Double], reads: [Double], stored: Int, errors: Int) {
            state.withLock { s in
                defer { (s.writes, s.reads) = ([], []) }
                return (s.writes, s.reads, s.stored, s.errors)
            }
        }
    }

    /// The server's C heap and index cache in MiB from its `/metrics`
    /// (`audittrail_heap_in_use_bytes`, `audittrail_heap_free_bytes`,
    /// `audittrail_index_cache_bytes`); -1 for what it did not say.
    static func heap(_ connection: AuditServerConnection) async -> (inUse: Double, free: Double, indexCache: Double) {
        guard let response = try? await connection.get("/metrics"), response.status == 200 else { return (-1, -1, -1) }
        func gauge(_ name: String) -> Double {
            let line = response.text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            return line.flatMap { Double($0.dropFirst(name.count + 1)) }.map { $0 / 1_048_576 } ?? -1
        }
        return (gauge("audittrail_heap_in_use_bytes"), gauge("audittrail_heap_free_bytes"), gauge("audittrail_index_cache_bytes"))
    }

    private func soak(_ connections: [AuditServerConnection], server: ChildServer, rate: Double) async throws -> [Sample] {
        let tally = Tally()
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .milliseconds(Int64(minutes * 60_000))
        let writerCount = writers
        try (Sample.header + "\n").write(toFile: csv, atomically: false, encoding: .utf8)
        print(Sample.header)
        return try await withThrowingTaskGroup(of: [Sample].self) { group in
            // Writers: event i goes out at start + i / rate, from writer i % writers.
            for writer in 0..<writerCount {
                let connection = connections[writer]
                group.addTask {
                    var number = writer
                    while true {
                        let due = start + .milliseconds(Int64(Double(number) / rate * 1000))
                        guard due < end else { break }
                        if due > clock.now { try await Task.sleep(until: due, clock: clock) }
                        let sent = clock.now
                        let response = await Self.attempt {
                            try await connection.post("/v1/events", body: Self.event(writer: writer, number: number, phase: "soak"))
                        }
                        let ok = (try? response.get())?.status == 201
                        tally.write(seconds(clock.now - sent) * 1000, ok: ok)
                        if !ok { tally.report("POST /v1/events: \(Self.describe(response))") }
                        number += writerCount
                    }
                    return []
                }
            }
            // Readers: a search and an aggregate, back to back.
            for reader in 0..<2 {
                let connection = connections[writerCount + reader]
                group.addTask {
                    let paths = [
                        "/v1/events?limit=50&q=" + (reader == 0 ? "action:document.*%20-outcome:success" : "soak%20report"),
                        "/v1/stats?hours=1&group_by=actor&top=10",
                    ]
                    var turn = 0
                    while clock.now < end {
                        let sent = clock.now
                        let response = await Self.attempt { try await connection.get(paths[turn % 2]) }
                        let ok = (try? response.get())?.status == 200
                        tally.read(seconds(clock.now - sent) * 1000, ok: ok)
                        if !ok { tally.report("GET \(paths[turn % 2]): \(Self.describe(response))") }
                        turn += 1
                        try await Task.sleep(for: .milliseconds(200))
                    }
                    return []
                }
            }
            // An export of the last minutes every 60 s, streamed and counted.
            let exporter = connections[writerCount + 2]
            group.addTask {
                while clock.now + .seconds(60) < end {
                    try await Task.sleep(for: .seconds(60))
                    var bytes = 0
                    let response = await Self.attempt { try await exporter.stream("/v1/export?hours=0.05") { bytes += $0.count } }
                    if (try? response.get())?.status != 200 || bytes == 0 {
                        tally.error()
                        tally.report("GET /v1/export (\(bytes) bytes): \(Self.describe(response))")
                    }
                }
                return []
            }
            // A key created and revoked every 30 s.
            let admin = connections[writerCount + 3]
            group.addTask {
                var made = 0
                while clock.now + .seconds(30) < end {
                    try await Task.sleep(for: .seconds(30))
                    made += 1
                    let created = try? await admin.post("/v1/keys", body: Array(#"{"name":"soak-\#(made)","role":"writer"}"#.utf8))
                    guard created?.status == 201, let id = try? created?.json()["id"]?.stringValue else {
                        tally.error()
                        tally.report("POST /v1/keys: \(created.map { "\($0.status) \($0.text.prefix(200))" } ?? "no answer")")
                        continue
                    }
                    let revoked = try? await admin.send("DELETE", "/v1/keys/\(id)", body: nil)
                    if revoked?.status != 204 {
                        tally.error()
                        tally.report("DELETE /v1/keys: \(revoked.map { "\($0.status) \($0.text.prefix(200))" } ?? "no answer")")
                    }
                }
                return []
            }
            // The sampler.
            let metricsReader = connections[writerCount + 3]
            let interval = self.interval
            let csv = self.csv
            group.addTask {
                var samples: [Sample] = []
                var next = start
                while next < end {
                    next = min(next + .seconds(interval), end)
                    try await Task.sleep(until: next, clock: clock)
                    let taken = tally.take()
                    let memory = server.residentKiB()
                    let heap = await Self.heap(metricsReader)
                    let sample = Sample(
                        elapsed: seconds(clock.now - start),
                        rssMiB: Double(memory.total) / 1024,
                        rssAnonMiB: Double(memory.anonymous) / 1024,
                        rssFileMiB: Double(memory.file) / 1024,
                        heapInUseMiB: heap.inUse,
                        heapFreeMiB: heap.free,
                        indexCacheMiB: heap.indexCache,
                        openFiles: server.openFiles(),
                        walMiB: Double(server.walBytes()) / 1_048_576,
                        writeP50: Self.percentile(taken.writes, 0.50),
                        writeP99: Self.percentile(taken.writes, 0.99),
                        readP99: Self.percentile(taken.reads, 0.99),
                        stored: taken.stored,
                        errors: taken.errors,
                        serverAlive: server.process.isRunning
                    )
                    samples.append(sample)
                    print(sample.row)
                    if let handle = FileHandle(forWritingAtPath: csv) {
                        handle.seekToEndOfFile()
                        handle.write(Data((sample.row + "\n").utf8))
                        try? handle.close()
                    }
                    if !sample.serverAlive { throw ValidationError("the server exited during the soak") }
                }
                return samples
            }
            var samples: [Sample] = []
            for try await part in group { samples += part }
            return samples
        }
    }

    /// RSS and open files after the warm-up (the first fifth of the samples), with their trend.
    private func report(_ samples: [Sample]) throws {
        guard let last = samples.last else { throw ValidationError("no sample was taken") }
        let settled = Array(samples.dropFirst(samples.count / 5))
        let rss = settled.map(\.rssMiB)
        let anonymous = settled.map(\.rssAnonMiB)
        let files = settled.map { Double($0.openFiles) }
        let p99s = samples.map(\.writeP99).sorted()
        // Caches fill and then stay: the trend over the last third says whether memory has
        // stopped growing, where the trend since warm-up still carries the filling.
        let lastThird = Array(samples.suffix(max(2, samples.count / 3)))
        func slopePerHour(_ values: [Double], over rows: [Sample]? = nil) -> Double {
            let xs = (rows ?? settled).map { $0.elapsed / 3600 }
            let n = Double(values.count)
            guard n > 1 else { return 0 }
            let mx = xs.reduce(0, +) / n
            let my = values.reduce(0, +) / n
            let sxx = zip(xs, xs).map { ($0 - mx) * ($1 - mx) }.reduce(0, +)
            let sxy = zip(xs, values).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
            return sxx == 0 ? 0 : sxy / sxx
        }
        print(
            String(
                format:
                    "Soak: %.1f min, %d events stored, %d errors. After warm-up: RSS %.1f–%.1f MiB (trend %+.1f MiB/h), of it anonymous %.1f–%.1f MiB (trend %+.1f MiB/h; over the last third %+.1f MiB/h; the rest is file-backed: the binary and the mapped database), open files %.0f–%.0f (trend %+.1f/h), WAL ≤ %.1f MiB (last sample %.1f MiB), write p99 median of intervals %.1f ms. Samples in %@",
                last.elapsed / 60,
                last.stored,
                last.errors,
                rss.min() ?? 0,
                rss.max() ?? 0,
                slopePerHour(rss),
                anonymous.min() ?? 0,
                anonymous.max() ?? 0,
                slopePerHour(anonymous),
                slopePerHour(lastThird.map(\.rssAnonMiB), over: lastThird),
                files.min() ?? 0,
                files.max() ?? 0,
                slopePerHour(files),
                samples.map(\.walMiB).max() ?? 0,
                last.walMiB,
                p99s[p99s.count / 2],
                csv
            )
        )
    }

    /// The outcome of `body`, error included.
    static func attempt<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    /// A failed request in a line: its status and problem, or the transport error.
    static func describe(_ result: Result<AuditServerResponse, any Error>) -> String {
        switch result {
        case .success(let response): "\(response.status) \(response.text.prefix(200))"
        case .failure(let error): "\(error)"
        }
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((Double(sorted.count) * p).rounded(.up)) - 1
        return sorted[min(sorted.count - 1, max(0, rank))]
    }

    /// A single event of about 400 bytes, unique per writer and number.
    static func event(writer: Int, number: Int, phase: String) -> [UInt8] {
        let actions = ["document.read", "document.update", "user.login", "report.export"]
        let outcome = number % 17 == 0 ? "failure" : "success"
        return Array(
            #"{"action":"\#(actions[number % actions.count])","actor":{"id":"u-\#(number % 500)","ip":"10.1.\#(writer % 250).\#(number % 250)"},"resource":{"type":"document","id":"d-\#(number % 10_000)"},"outcome":"\#(outcome)","description":"\#(phase) report \#(number) from writer \#(writer)","metadata":{"writer":\#(writer),"n":\#(number)}}"#
                .utf8
        )
    }
}
