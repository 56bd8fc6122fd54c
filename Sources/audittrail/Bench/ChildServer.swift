import ArgumentParser
import AuditTrail
import AuditTrailClient
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `audittrail serve` (this binary) as a child process of a benchmark — the soak, the client
/// bench — on a free loopback port with its own data directory, and what /proc tells about it.
struct ChildServer: Sendable {
    let process: ChildProcess
    let port: Int
    let dataDirectory: String

    /// Starts the server in `directory` (its data directory and `server.log` go there) with
    /// `options` after `serve`, and `environment` added to this process's own. With `command`, runs
    /// that subcommand of this binary instead of `serve` (one that prints the same "listening on"
    /// line: `bench floor-server`).
    init(
        directory: String,
        adminKey: String,
        options: [String],
        environment extra: [String: String] = [:],
        command: [String]? = nil
    ) throws {
        dataDirectory = directory + "/data"
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let log = directory + "/server.log"
        var environment = ProcessInfo.processInfo.environment
        environment["AUDITTRAIL_ADMIN_KEY"] = adminKey
        environment.merge(extra) { _, new in new }
        let arguments = command ?? ["serve", "--port", "0", "--data-dir", dataDirectory] + options
        // `AUDITTRAIL_BENCH_SERVER_WRAPPER="heaptrack -o /tmp/server"` (or valgrind, perf record…)
        // runs the server under that command: /proc figures then describe the wrapper.
        let wrapper = (environment["AUDITTRAIL_BENCH_SERVER_WRAPPER"] ?? "").split(separator: " ").map(String.init)
        process = try ChildProcess(
            executable: wrapper.first.map { try Self.which($0) } ?? executable,
            arguments: wrapper.isEmpty ? arguments : Array(wrapper.dropFirst()) + [executable] + arguments,
            environment: environment,
            outputPath: log
        )
        // The server prints its address once it serves.
        let prefix = "listening on http://127.0.0.1:"
        for _ in 0..<600 {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }), let port = Int(line.dropFirst(prefix.count)) {
                self.port = port
                return
            }
            guard process.isRunning else { throw ValidationError("the server exited at start:\n\(text)") }
            usleep(100_000)
        }
        process.signal(SIGKILL)
        throw ValidationError("the server did not report its address within 60 s (see \(log))")
    }

    /// The path of `command`: itself when it holds a slash, else the first match on `PATH`.
    static func which(_ command: String) throws -> String {
        guard !command.contains("/") else { return command }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(directory)/\(command)") {
            return "\(directory)/\(command)"
        }
        throw ValidationError("AUDITTRAIL_BENCH_SERVER_WRAPPER: \(command) is not on PATH")
    }

    func stop() {
        process.signal(SIGTERM)
        process.wait()
    }

    /// The server's resident memory in KiB (`/proc/PID/status`): VmRSS, and its anonymous and
    /// file-backed parts (RssAnon, RssFile).
    func residentKiB() -> (total: Int, anonymous: Int, file: Int) {
        let status = (try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
            return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0
        }
        return (field("VmRSS"), field("RssAnon"), field("RssFile"))
    }

    /// The server's CPU time so far, user plus system, in seconds (`/proc/PID/stat`).
    func cpuSeconds() -> Double {
        let stat = (try? String(contentsOfFile: "/proc/\(process.pid)/stat", encoding: .utf8)) ?? ""
        // After the command name in parentheses: state is field 3, utime 14 and stime 15.
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The server's open file descriptors.
    func openFiles() -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.pid)/fd")) ?? []).count
    }

    /// The bytes of every `-wal` file in the data directory.
    func walBytes() -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory)) ?? []
        return names.filter { $0.hasSuffix("-wal") }.reduce(0) { total, name in
            total + (((try? FileManager.default.attributesOfItem(atPath: dataDirectory + "/" + name))?[.size] as? Int) ?? 0)
        }
    }
}
