import AuditTrail
import AuditTrailClient
import Foundation

@testable import audittrail

/// The real `audittrail serve`, run as a child process on a port picked beforehand (so that a
/// client keeps its URL across a restart), with an admin key from the environment.
final class ClientTestServer: @unchecked Sendable {
    // @unchecked: `process` is replaced only by `start()`/`kill()`, called by the one test that
    // owns this value, never concurrently.
    let dataDirectory: String
    let port: Int
    let adminKey = "client-test-admin-key-" + UUID().uuidString.prefix(8)
    let arguments: [String]
    let scheme: String
    private(set) var process: ChildProcess?
    private(set) var logPath = ""
    /// Every log of this server's starts, removed with it.
    private var logPaths: [String] = []

    /// A server for `dataDirectory` (a fresh temporary one by default) on a free port.
    init(dataDirectory: String = temporaryDirectory("data"), port: Int? = nil, arguments: [String] = [], tls: Bool = false) throws {
        self.dataDirectory = dataDirectory
        self.port = try port ?? freePort()
        self.arguments = arguments
        scheme = tls ? "https" : "http"
    }

    var url: String { "\(scheme)://127.0.0.1:\(port)" }
    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts `serve` and waits until `/healthz` answers over `trust`.
    func start(trust: AuditServerTrust = .systemRoots) async throws {
        logPath = dataDirectory + ".server-\(UUID().uuidString).log"
        logPaths.append(logPath)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("AUDITTRAIL_") { environment.removeValue(forKey: key) }
        environment["AUDITTRAIL_ADMIN_KEY"] = adminKey
        process = try ChildProcess(
            executable: clientTestBinary("audittrail"),
            arguments: ["serve", "--port", "\(port)", "--data-dir", dataDirectory, "--log-level", "warning"] + arguments,
            environment: environment,
            outputPath: logPath
        )
        var configuration = AuditServerConnection.Configuration(server: url, apiKey: nil)
        configuration.trust = trust
        configuration.requestTimeout = .seconds(2)
        let probe = try AuditServerConnection(configuration: configuration)
        var healthy = false
        for _ in 0..<600 where process?.isRunning == true {
            if let response = try? await probe.get("/healthz"), response.status == 200 {
                healthy = true
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        try? await probe.shutdown()
        guard healthy else { throw TestFailure("server did not become healthy:\n\(output)") }
    }

    /// Stops the server with `signal` and waits for it.
    func kill(signal: Int32 = SIGKILL) async {
        process?.signal(signal)
        await process?.exit()
        process = nil
    }

    deinit {
        if let process, process.isRunning {
            process.signal(SIGKILL)
            _ = process.wait()
        }
        for path in logPaths { try? FileManager.default.removeItem(atPath: path) }
    }
}

/// A failed expectation outside `#expect`.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A path for a fresh temporary directory (not created).
func temporaryDirectory(_ label: String) -> String {
    NSTemporaryDirectory() + "audittrail-client-test-\(label)-\(UUID().uuidString)"
}

/// A built executable of this package (`audittrail`, `audittrail-client-probe`), found beside
/// the test bundle.
func clientTestBinary(_ name: String) -> String {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var directory = executable.deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return executable.deletingLastPathComponent().appendingPathComponent(name).path
}

/// A TCP port that was free a moment ago (bound to port 0, read, closed).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    guard bound == 0 else { throw TestFailure("bind failed") }
    let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    guard named == 0 else { throw TestFailure("getsockname failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
