import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import Foundation

/// `audittrail verify`: re-hashes the stored chain and names the first bad seq.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the hash chain of a data directory; exits 1 and names the first bad seq if it is broken."
    )

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    @OptionGroup var data: DataDirectoryOptions

    func run() async throws {
        let showProgress = !quiet && !json
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await withStore(data) { store in
            try await store.verifyChain(pageSize: 20_000) { checked, head in
                if showProgress, head > 0 {
                    FileHandleOutput.standardError("verified \(checked) of \(head) events (\(checked * 100 / head)%)", terminator: "\r")
                }
            }
        }
        if showProgress { FileHandleOutput.standardError("") }
        let elapsed = clock.now - start
        let elapsedSeconds = seconds(elapsed)
        if json {
            let bad = result.problem.map { String($0.seq) } ?? "null"
            let problem = result.problem.map { "\"\(jsonEscaped("\($0.kind.rawValue): \($0.detail)"))\"" } ?? "null"
            print(#"{"ok":\#(result.ok),"checked":\#(result.checked),"first_bad_seq":\#(bad),"problem":\#(problem)}"#)
        } else if let problem = result.problem {
            print("FAILED at seq \(problem.seq): \(problem.kind.rawValue) — \(problem.detail)")
            print("\(result.checked) events verified before it.")
        } else {
            let rate = elapsedSeconds > 0 ? Int(Double(result.checked) / elapsedSeconds) : 0
            print("OK: \(result.checked) events verified, head seq \(result.head.seq), hash \(AuditChain.hex(result.head.hash)) (\(rate) events/s)")
        }
        if !result.ok { throw ExitCode(1) }
    }
}

/// Writes to standard error.
enum FileHandleOutput {
    static func standardError(_ text: String, terminator: String = "\n") {
        FileHandle.standardError.write(Data((text + terminator).utf8))
    }
}
