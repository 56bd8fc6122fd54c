import ArgumentParser
import AuditTrail
import Foundation

/// `audittrail verify --jsonl DIR`: checks a daily JSONL log directory offline with
/// ``AuditJSONLVerifier`` — the chain from seq 1 across the day files, each line's bytes, each
/// event on its file's day — and names the first bad seq with its file and line.
extension VerifyCommand {
    func runJSONL(_ directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--jsonl: \(directory) is not a directory")
        }
        let result: AuditJSONLVerification
        do {
            result = try AuditJSONLVerifier.verify(directory: directory)
        } catch let error as AuditTrailError {
            throw ValidationError("--jsonl: \(cliMessage(error))")
        }
        if json {
            let problem = result.problem
            let text = problem.map { "\"\(jsonEscaped("\($0.kind.rawValue): \($0.detail)"))\"" } ?? "null"
            let kind = problem.map { "\"\($0.kind.rawValue)\"" } ?? "null"
            let file = result.problemFile.map { "\"\(jsonEscaped($0))\"" } ?? "null"
            let line = result.problemLine.map(String.init) ?? "null"
            let seq = problem.map { String($0.seq) } ?? "null"
            print(
                #"{"ok":\#(result.ok),"checked":\#(result.checked),"files":\#(result.files),"first_bad_seq":\#(seq),"problem":\#(text),"kind":\#(kind),"file":\#(file),"line":\#(line),"head_seq":\#(result.head.seq),"head_hash":"\#(result.head.hash.hex)","torn_bytes":\#(result.tornBytes)}"#
            )
        } else if let problem = result.problem {
            let place = result.problemFile.map { " (\($0)" + (result.problemLine.map { " line \($0))" } ?? ")") } ?? ""
            print("FAILED at seq \(problem.seq): \(problem.kind.rawValue) — \(problem.detail)\(place)")
            print("\(result.checked) events verified before it.")
        } else {
            print("OK: \(result.checked) events in \(result.files) day files verified; head seq \(result.head.seq), hash \(result.head.hash.hex)")
            if result.tornBytes > 0 {
                print(
                    "The newest file ends in a torn line of \(result.tornBytes) bytes (an append that never finished; cut off when the log next opens)."
                )
            }
        }
        if !result.ok { throw ExitCode(1) }
    }
}
