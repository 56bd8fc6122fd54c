import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, its output appended to a file.
///
/// Used by `bench` (to run wrk and servers) and by the tests (to run the binary, `openssl` and
/// `.ci/postgres.sh`) instead of Foundation's `Process`: on Linux its `run()` crashes now and then (a 256-byte over-read of `dirent.d_name`
/// while it lists `/proc/self/fd`, swift-corelibs-foundation pull request 5472, not in the 6.3.1
/// toolchain here), which made a clean-clone CI run fail; and its `waitUntilExit()` hung a test
/// process for good after `.ci/postgres.sh start` had exited, leaving the server it started.
package final class ChildProcess: @unchecked Sendable {
    // @unchecked: `exitStatus` is only touched by the test that owns this value, sequentially.
    package let pid: pid_t
    private var exitStatus: Int32?
    /// The CPU time the child used, user plus system, once ``wait()`` has reaped it (0 before).
    package private(set) var cpuSeconds = 0.0

    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    package init(executable: String, arguments: [String], environment: [String: String], outputPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard code == 0 else { throw Failure(description: "posix_spawn \(executable) failed (errno \(code))") }
        self.pid = pid
    }

    /// Whether the child has not exited yet (reaps it when it has).
    package var isRunning: Bool {
        guard exitStatus == nil else { return false }
        var status: Int32 = 0
        var usage = rusage()
        let reaped = wait4(pid, &status, WNOHANG, &usage)
        guard reaped == pid else { return reaped == 0 }
        record(status: status, usage: usage)
        return false
    }

    /// Waits for the child and returns its exit status (128 + the signal when a signal ended it).
    @discardableResult
    package func wait() -> Int32 {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0, errno == EINTR {}
        return record(status: status, usage: usage)
    }

    @discardableResult
    private func record(status: Int32, usage: rusage) -> Int32 {
        let time = { (t: timeval) in Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        cpuSeconds = time(usage.ru_utime) + time(usage.ru_stime)
        let decoded = Self.decode(status)
        exitStatus = decoded
        return decoded
    }

    /// Waits for the child without holding a thread: polls every few milliseconds and sleeps in
    /// between. Tests and benches run on Swift's cooperative pool (two threads on a 2-core box), and
    /// a blocking ``wait()`` on it for a child that runs for seconds (a CLI export, `initdb`) stalls
    /// every other task of the process that long — timers fired 47 s late in a CI run.
    @discardableResult
    package func exit() async -> Int32 {
        var pause = 1
        while isRunning {
            try? await Task.sleep(for: .milliseconds(pause))
            pause = min(pause * 2, 50)
        }
        return wait()
    }

    package func signal(_ signal: Int32) { _ = Glibc.kill(pid, signal) }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }
}
