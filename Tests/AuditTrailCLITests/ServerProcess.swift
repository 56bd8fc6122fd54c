import Foundation
@testable import audittrail

/// The real `audittrail` binary, run as a child process for end-to-end tests.
final class ServerProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched from the test that owns this value, sequentially.
    let process: ChildProcess
    let port: Int
    let dataDirectory: String
    let logPath: String

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
        self.port = try LoopbackHTTP.freePort()
        self.dataDirectory = dataDirectory
        self.logPath = dataDirectory + ".server-\(port).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = try ChildProcess(executable: Self.binary, arguments: ["serve", "--port", String(port), "--data-dir", dataDirectory] + arguments,
                                   environment: childEnvironment(environment), outputPath: logPath)
    }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits until `/healthz` answers 200.
    func waitUntilHealthy() async throws {
        for _ in 0..<600 {
            if !process.isRunning { throw LoopbackHTTP.Failure(description: "server exited early:\n\(output)") }
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
    let process = try ChildProcess(executable: ServerProcess.binary, arguments: arguments,
                                   environment: childEnvironment(environment), outputPath: path)
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
