import ArgumentParser
import AuditTrail
import Foundation

/// The HTTP load generator of the benchmarks: `wrk` (Debian's package), one process per run.
enum BenchWrk {
    /// What one wrk run printed.
    struct Result {
        var requestsPerSecond: Double
        var p50: String
        var p99: String
        var errors: Int
        /// The CPU time wrk itself used, user plus system.
        var cpuSeconds: Double

        /// ``p99`` in milliseconds (wrk prints `850.00us`, `4.63ms` or `1.02s`), nil when unreadable.
        var p99Milliseconds: Double? { BenchWrk.milliseconds(p99) }
    }

    /// The installed wrk, or a message that says how to install it.
    static func executable() throws -> String {
        guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw ValidationError("--http: wrk is not installed (apt-get install wrk)")
        }
        return wrk
    }

    /// A wrk script that POSTs `body` as JSON with `secret` as the bearer key.
    static func postScript(body: String, secret: String) -> String {
        postHeaders(secret: secret) + "\nwrk.body = \(literal(body))"
    }

    /// The lines every POST script starts with: the method, JSON, the bearer key.
    private static func postHeaders(secret: String) -> String {
        """
        wrk.method = "POST"
        wrk.headers["Content-Type"] = "application/json"
        wrk.headers["Authorization"] = "Bearer \(secret)"
        """
    }

    /// A Lua string literal of `text`.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// A wrk script that POSTs `bodies` as JSON in turn (one per request, round robin) with
    /// `secret` as the bearer key.
    static func postScript(bodies: [String], secret: String) -> String {
        postHeaders(secret: secret) + """

            local bodies = {\(bodies.map(literal).joined(separator: ",\n"))}
            local next = 0
            request = function()
              next = next % #bodies + 1
              return wrk.format(nil, nil, nil, bodies[next])
            end
            """
    }

    /// ``run(_:_:)`` waiting for wrk on a thread of its own, not on one of Swift's cooperative
    /// pool: a server in this process (`bench ingest`'s) keeps the whole pool. (Waiting on the
    /// pool left that server one of the two threads: its batch POSTs used 1.06 cores, 54k
    /// events/s, where `serve` alone did 73k at 1.6 cores.)
    static func runWaiting(_ wrk: String, _ runs: [[String]]) async throws -> [Result] {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Swift.Result { try run(wrk, runs) }) }.start()
        }
    }

    /// Runs one `wrk` per argument list, all at once, and reads each one's figures.
    static func run(_ wrk: String, _ runs: [[String]]) throws -> [Result] {
        let started = try runs.map { arguments in
            let path = NSTemporaryDirectory() + "audittrail-wrk-\(UInt32.random(in: 0...UInt32.max)).out"
            let process = try ChildProcess(
                executable: wrk,
                arguments: arguments,
                environment: ProcessInfo.processInfo.environment,
                outputPath: path
            )
            return (process, path)
        }
        return try started.map { process, path in
            defer { try? FileManager.default.removeItem(atPath: path) }
            process.wait()
            let cpu = process.cpuSeconds
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
            return Result(requestsPerSecond: rps, p50: field("50%") ?? "?", p99: field("99%") ?? "?", errors: errors, cpuSeconds: cpu)
        }
    }

    /// A wrk latency (`850.00us`, `4.63ms`, `1.02s`, `2.00m`) in milliseconds.
    static func milliseconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("us", 0.001), ("ms", 1), ("s", 1000), ("m", 60_000)]
        for (unit, scale) in units where text.hasSuffix(unit) {
            return Double(text.dropLast(unit.count)).map { $0 * scale }
        }
        return nil
    }
}
