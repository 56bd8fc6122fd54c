import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import Foundation
import Synchronization

/// Writes to standard error (and, unbuffered, to standard output).
enum FileHandleOutput {
    /// A line on standard output, written at once (not held in a buffer until exit): what a
    /// follower such as `tail` prints as each event arrives, also into a pipe.
    static func standardOutputLine(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func standardError(_ text: String, terminator: String = "\n") {
        FileHandle.standardError.write(Data((text + terminator).utf8))
    }

    /// Whether standard error is a terminal: progress lines (rewritten in place with `\r`) go
    /// only there, never into a log file or a pipe.
    static let standardErrorIsTerminal = isatty(2) == 1

    /// A progress line, rewritten in place, at most every 200 ms (and only on a terminal).
    static func progress(_ text: @autoclosure () -> String) {
        guard standardErrorIsTerminal else { return }
        let now = ContinuousClock.now
        let due = lastProgress.withLock { last in
            guard last.map({ now - $0 >= .milliseconds(200) }) ?? true else { return false }
            last = now
            return true
        }
        if due { standardError("\u{1B}[2K" + text(), terminator: "\r") }
    }

    /// Ends a progress line (a newline, on a terminal).
    static func endProgress() {
        guard standardErrorIsTerminal else { return }
        lastProgress.withLock { $0 = nil }
        standardError("")
    }

    private static let lastProgress = Mutex<ContinuousClock.Instant?>(nil)
}
