import AuditTrail
import AuditTrailClient
import Foundation
import Synchronization

@testable import audittrail

/// The real `audittrail` binary, run as a child process for end-to-end tests.
///
/// The server is started with `--port 0 --port-file`: it binds a free port itself and writes the
/// bound address to the port file once it listens, so no port is picked beforehand (and none
/// can be lost to a test running in parallel).
final class ServerProcess: @unchecked Sendable {
    // @unchecked: `port` is only set by `waitUntilHealthy`, from the test that owns this value,
    // before any request; the connection is behind a mutex; everything else is immutable.
    let process: ChildProcess
    private(set) var port = 0
    private let connection = Mutex<AuditServerConnection?>(nil)
    let dataDirectory: String
    let logPath: String
    let portFile: String

    static var binary: String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        // On Linux the test runner is `.build/<config>/<Package>PackageTests.xctest`, a sibling of the binary.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("audittrail").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return executable.deletingLastPathComponent().appendingPathComponent("audittrail").path
    }

    /// Starts `serve` on `port` (0 by default: a free one) with a port file of its own (a
    /// restart on the same data directory gets a new one, so a stale file is never read).
    init(dataDirectory: String, port: Int = 0, environment: [String: String] = [:], arguments: [String] = []) throws {
        self.dataDirectory = dataDirectory
        let run = dataDirectory + ".server-\(UUID().uuidString)"
        logPath = run + ".log"
        portFile = run + ".port"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = try ChildProcess(
            executable: Self.binary,
            arguments: ["serve", "--port", String(port), "--port-file", portFile, "--data-dir", dataDirectory] + arguments,
            environment: childEnvironment(environment),
            outputPath: logPath
        )
    }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits until the port file names the bound address and `/healthz` answers 200 there.
    func waitUntilHealthy() async throws {
        for _ in 0..<600 {
            guard process.isRunning else { throw TestFailure("server exited early:\n\(output)") }
            if port == 0, let text = try? String(contentsOfFile: portFile, encoding: .utf8) {
                guard text.hasPrefix("127.0.0.1:"), text.hasSuffix("\n"), let bound = Int(text.dropFirst(10).dropLast()), bound > 0 else {
                    throw TestFailure("port file holds \(text.debugDescription), not 127.0.0.1:<port>")
                }
                port = bound
            }
            if port != 0, let response = try? await request("GET", "/healthz"), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("server never became healthy:\n\(output)")
    }

    /// One request to the server (its port must be known), through the client library's HTTP layer.
    func request(_ method: String, _ path: String, key: String? = nil, json: String? = nil) async throws -> AuditServerResponse {
        let connection = try self.connection.withLock { connection in
            if let connection { return connection }
            let made = try AuditServerConnection(configuration: .init(server: "http://127.0.0.1:\(port)", apiKey: nil))
            connection = made
            return made
        }
        var headers: [(String, String)] = []
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        if json != nil { headers.append(("Content-Type", "application/json")) }
        return try await connection.send(method, path, headers: headers, body: json.map { Array($0.utf8) })
    }

    /// Signals the server and waits for it to exit (for `defer`, where nothing can be awaited).
    func kill(signal: Int32) {
        process.signal(signal)
        process.wait()
    }

    /// Signals the server and waits for it to exit without holding a cooperative thread.
    func stop(signal: Int32) async {
        process.signal(signal)
        await process.exit()
    }

    deinit {
        if process.isRunning {
            process.signal(SIGKILL)
            process.wait()
        }
        try? FileManager.default.removeItem(atPath: portFile)
        // Read through `output` while the test runs; nothing reads it afterwards.
        try? FileManager.default.removeItem(atPath: logPath)
    }
}

/// Runs the binary with arguments to completion; returns exit status and combined output.
func runCLI(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
    let path = NSTemporaryDirectory() + "audittrail-cli-\(UUID().uuidString).log"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let process = try ChildProcess(
        executable: ServerProcess.binary,
        arguments: arguments,
        environment: childEnvironment(environment),
        outputPath: path
    )
    let status = await process.exit()
    return (status, (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
}

/// Runs `command` with `/bin/sh -c` in this process's working directory (the package root under
/// `swift test`), as a user types it; returns exit status and combined output.
func runShell(_ command: String, environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
    let path = NSTemporaryDirectory() + "audittrail-shell-\(UUID().uuidString).log"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let process = try ChildProcess(executable: "/bin/sh", arguments: ["-c", command], environment: childEnvironment(environment), outputPath: path)
    let status = await process.exit()
    return (status, (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
}

/// This process's environment without any `AUDITTRAIL_*` setting, plus `extra`.
func childEnvironment(_ extra: [String: String]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    for key in environment.keys where key.hasPrefix("AUDITTRAIL_") { environment.removeValue(forKey: key) }
    environment.merge(extra) { _, new in new }
    return environment
}

/// A fresh temporary data directory path (not created).
func temporaryDataDirectory() -> String {
    NSTemporaryDirectory() + "audittrail-cli-test-\(UUID().uuidString)"
}

/// A failure of the test harness itself, with what it saw.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Waits until `condition` holds (checked every 200 ms), at most `limit`.
func waitFor(_ what: String, limit: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    throw TestFailure("timed out waiting for \(what)")
}
