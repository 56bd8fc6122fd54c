import Foundation

@testable import audittrail

/// The real `audittrail` binary, run as a child process for end-to-end tests.
final class ServerProcess: @unchecked Sendable {
    // @unchecked: `process`, `port` and `logPath` are only touched from the test that owns this
    // value, sequentially.
    private(set) var process: ChildProcess
    private(set) var port: Int
    let dataDirectory: String
    private(set) var logPath: String
    private let environment: [String: String]
    private let arguments: [String]

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

    init(dataDirectory: String, environment: [String: String] = [:], arguments: [String] = []) throws {
        self.dataDirectory = dataDirectory
        self.environment = environment
        self.arguments = arguments
        (port, logPath, process) = try Self.start(dataDirectory: dataDirectory, environment: environment, arguments: arguments)
    }

    /// Starts `serve` on a port that was free a moment ago.
    private static func start(
        dataDirectory: String,
        environment: [String: String],
        arguments: [String]
    ) throws
        -> (port: Int, logPath: String, process: ChildProcess)
    {
        let port = try LoopbackHTTP.freePort()
        let logPath = dataDirectory + ".server-\(port).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = try ChildProcess(
            executable: binary,
            arguments: ["serve", "--port", String(port), "--data-dir", dataDirectory] + arguments,
            environment: childEnvironment(environment),
            outputPath: logPath
        )
        return (port, logPath, process)
    }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits until `/healthz` answers 200. A server that lost its port to another process between
    /// the pick and its bind (tests run in parallel) is started again on another one.
    func waitUntilHealthy() async throws {
        var restarts = 0
        for _ in 0..<600 {
            if !process.isRunning {
                guard output.contains("Address already in use"), restarts < 3 else {
                    throw LoopbackHTTP.Failure(description: "server exited early:\n\(output)")
                }
                restarts += 1
                (port, logPath, process) = try Self.start(dataDirectory: dataDirectory, environment: environment, arguments: arguments)
                continue
            }
            if let response = try? LoopbackHTTP.request(port: port, method: "GET", path: "/healthz"), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw LoopbackHTTP.Failure(description: "server never became healthy:\n\(output)")
    }

    func request(_ method: String, _ path: String, key: String? = nil, json: String? = nil) throws -> LoopbackHTTP.Response {
        var headers: [(String, String)] = []
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        if json != nil { headers.append(("Content-Type", "application/json")) }
        return try LoopbackHTTP.request(port: port, method: method, path: path, headers: headers, body: Array((json ?? "").utf8))
    }

    func kill(signal: Int32) {
        process.signal(signal)
        process.wait()
    }

    deinit {
        if process.isRunning {
            process.signal(SIGKILL)
            process.wait()
        }
    }
}

/// Runs the binary with arguments to completion; returns exit status and combined output.
func runCLI(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let path = NSTemporaryDirectory() + "audittrail-cli-\(UUID().uuidString).log"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let process = try ChildProcess(
        executable: ServerProcess.binary,
        arguments: arguments,
        environment: childEnvironment(environment),
        outputPath: path
    )
    let status = process.wait()
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
