import AuditTrail
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL server the tests of every module use: `AUDITTRAIL_TEST_POSTGRES` names it
/// (`postgres://user@127.0.0.1:5432/database`, a role that may create schemas), with
/// `AUDITTRAIL_TEST_POSTGRES_APP` the application role's URL. Without it, when PostgreSQL's
/// programs are installed (Debian's `postgresql`), the first test that asks starts a throw-away
/// server with `.ci/postgres.sh` (as `.ci/run` does); otherwise the PostgreSQL tests are skipped,
/// saying why (``unavailable``).
///
/// ```swift
/// @Suite(.enabled(if: AuditTestPostgres.isAvailable, AuditTestPostgres.unavailable))
/// ```
public enum AuditTestPostgres {
    /// The owner's and the application role's URLs, found or started once per test process.
    public static let urls: (owner: String, app: String?)? = {
        if let owner = environment("AUDITTRAIL_TEST_POSTGRES") {
            return (owner, environment("AUDITTRAIL_TEST_POSTGRES_APP"))
        }
        return startLocalServer()
    }()
    /// The owner role's URL (it may create schemas).
    public static var url: String? { urls?.owner }
    /// The application role's URL, when the server has one.
    public static var appURL: String? { urls?.app }
    public static var isAvailable: Bool { url != nil }
    /// Why the PostgreSQL tests are skipped.
    public static let unavailable: Comment =
        "no PostgreSQL: set AUDITTRAIL_TEST_POSTGRES to a server's URL, or install Debian's postgresql for the tests to start one"

    /// A new schema name for one test (`test_…`, dropped by the test's store when it closes).
    public static func newSchema() -> String { "test_\(UInt64.random(in: 0...UInt64.max))" }

    /// An environment variable's value; nil when unset or empty.
    public static func environment(_ name: String) -> String? {
        guard let pointer = getenv(name) else { return nil }
        let text = String(cString: pointer)
        return text.isEmpty ? nil : text
    }

    /// Runs `.ci/postgres.sh start` (it installs nothing when run from here: PostgreSQL must be
    /// installed) and reads the URLs it prints.
    static func startLocalServer() -> (owner: String, app: String?)? {
        guard let output = scriptBlocking(["start"]) else { return nil }
        return urls(in: output)
    }

    /// Whether PostgreSQL's programs are installed here.
    public static var isInstalled: Bool {
        (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.isEmpty == false
    }

    /// Runs `.ci/postgres.sh` with `arguments` (`start DIR PORT`, `stop DIR`, `resume DIR`) and
    /// returns what it printed; nil when it failed or PostgreSQL is not installed. Waits without
    /// holding one of the cooperative pool's threads (`initdb` takes seconds on a busy box).
    public static func script(_ arguments: [String]) async -> String? {
        guard let run = spawnScript(arguments) else { return nil }
        return run.finish(status: await run.process.exit())
    }

    /// ``script(_:)`` for the one synchronous caller: the shared server's start, once per process.
    static func scriptBlocking(_ arguments: [String]) -> String? {
        guard let run = spawnScript(arguments) else { return nil }
        return run.finish(status: run.process.wait())
    }

    private struct ScriptRun {
        let process: ChildProcess
        let outputPath: String

        func finish(status: Int32) -> String? {
            defer { try? FileManager.default.removeItem(atPath: outputPath) }
            guard status == 0, let data = FileManager.default.contents(atPath: outputPath) else { return nil }
            return String(decoding: data, as: UTF8.self)
        }
    }

    private static func spawnScript(_ arguments: [String]) -> ScriptRun? {
        guard isInstalled else { return nil }
        // Sources/AuditTrailTesting/<this file> → the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent(".ci/postgres.sh").path
        guard FileManager.default.fileExists(atPath: script) else { return nil }
        // Output to a file, not a pipe: a server the script starts inherits the descriptor, and a
        // pipe would never reach its end while that server runs.
        let outputPath = NSTemporaryDirectory() + "audittrail-postgres-script-\(UUID().uuidString).out"
        guard
            let process = try? ChildProcess(
                executable: "/bin/bash",
                arguments: [script] + arguments,
                environment: ProcessInfo.processInfo.environment,
                outputPath: outputPath
            )
        else {
            try? FileManager.default.removeItem(atPath: outputPath)
            return nil
        }
        return ScriptRun(process: process, outputPath: outputPath)
    }

    /// The owner's and the application role's URLs in what `.ci/postgres.sh start` printed.
    public static func urls(in output: String) -> (owner: String, app: String?)? {
        var found: [String: String] = [:]
        for line in output.split(separator: "\n") {
            // export NAME='value'
            guard line.hasPrefix("export "), let equals = line.firstIndex(of: "=") else { continue }
            let name = String(line[line.index(line.startIndex, offsetBy: 7)..<equals])
            found[name] = String(line[line.index(after: equals)...]).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        }
        guard let owner = found["AUDITTRAIL_TEST_POSTGRES"] else { return nil }
        return (owner, found["AUDITTRAIL_TEST_POSTGRES_APP"])
    }
}
