import ArgumentParser
import AuditTrail
import AuditTrailClient
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The server `bench crash` and `bench diskfull` kill and restart: this binary's own `serve`, a
/// child process on port 0 that writes its bound address to a port file.
struct CrashServer {
    let process: ChildProcess
    let portFile: String
    let adminKey: String
    /// Where its output goes (appended across restarts).
    let logFile: String

    /// This running executable.
    static var executable: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }

    /// This process's environment without any `AUDITTRAIL_*` setting, plus `extra`.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("AUDITTRAIL_") { environment.removeValue(forKey: key) }
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// Starts `serve` on `directory` (and on `log` when that is PostgreSQL), its output appended
    /// to `work/server.log`: a checkpoint every
    /// 64 events, a 1,024-seq index chunk, a one-day retention window checked every 0.5 s.
    static func start(
        directory: String,
        work: String,
        adminKey: String,
        log: CrashLog? = nil,
        arguments: [String]? = nil
    ) throws -> CrashServer {
        let portFile = work + "/server.port"
        try? FileManager.default.removeItem(atPath: portFile)
        let settings =
            arguments ?? [
                "--checkpoint-events", "\(CrashBench.checkpointEvents)", "--checkpoint-seconds", "0.25",
                "--index-chunk-shift", "\(CrashBench.chunkShift)", "--retention-days", "1", "--retention-interval-seconds", "0.5",
            ]
        let process = try ChildProcess(
            executable: executable,
            arguments: ["serve", "--port", "0", "--port-file", portFile, "--data-dir", directory, "--log-level", "warning"] + settings,
            environment: environment(["AUDITTRAIL_ADMIN_KEY": adminKey].merging(log?.environment ?? [:]) { _, new in new }),
            outputPath: work + "/server.log"
        )
        return CrashServer(process: process, portFile: portFile, adminKey: adminKey, logFile: work + "/server.log")
    }

    /// Waits until the port file names the bound address and `/healthz` answers 200; returns a
    /// connection with the admin key.
    func waitUntilListening() async throws -> AuditServerConnection {
        let deadline = ContinuousClock.now + .seconds(120)
        var connection: AuditServerConnection?
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                // The log's end says why; the caller may remove the directory it is in.
                let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
                let tail = log.split(separator: "\n").suffix(8).joined(separator: "\n")
                throw ValidationError("the server exited while starting; the end of its log:\n\(tail)")
            }
            if connection == nil, let text = try? String(contentsOfFile: portFile, encoding: .utf8), text.hasSuffix("\n") {
                var configuration = AuditServerConnection.Configuration(server: "http://" + text.dropLast(), apiKey: adminKey)
                configuration.requestTimeout = .seconds(20)
                connection = try AuditServerConnection(configuration: configuration)
            }
            if let connection, let health = try? await connection.get("/healthz"), health.status == 200 { return connection }
            try await Task.sleep(for: .milliseconds(20))
        }
        try? await connection?.shutdown()
        throw ValidationError("the server did not answer /healthz within 120 s")
    }

    /// SIGKILL, then reaps it.
    func kill() {
        process.signal(SIGKILL)
        process.wait()
    }

    /// SIGTERM (a graceful stop), then reaps it; returns its exit status.
    func terminate() -> Int32 {
        process.signal(SIGTERM)
        return process.wait()
    }
}
