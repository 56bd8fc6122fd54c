import ArgumentParser
import AuditTrail
import Foundation

/// `audittrail verify --stream-batch FILE… --public-key KEY`: the batches a stream delivered
/// (each an "AuditTrail export v1" file of a seq range), checked offline: each alone against its
/// signed checkpoint, then together — in seq order, each must start where the one before ended
/// (its range's `after` the previous `through`; for unfiltered batches its chain start the
/// previous batch's last chain hash), so a missing, repeated or altered batch is named.
extension VerifyCommand {
    func runStreamBatches(_ paths: [String]) throws {
        guard let key = try resolveKey(hasCheckpoints: true, allowSigningKey: false) else {
            throw ValidationError("--public-key: required with --stream-batch (the key `audittrail keys public` prints)")
        }
        var batches: [(path: String, result: AuditExportVerification, range: AuditExportHeader.Range)] = []
        var problem: String?
        for path in paths {
            let result = try verifyFile(path, flag: "--stream-batch", key: key)
            if let failure = result.problem {
                let line = result.problemLine.map { " (line \($0))" } ?? ""
                problem = "\(path): seq \(failure.seq): \(failure.kind.rawValue) — \(failure.detail)\(line)"
                break
            }
            guard let range = result.header?.range else {
                problem = "\(path): not a stream batch (its header has no range: an export; check it with --export)"
                break
            }
            batches.append((path, result, range))
        }
        batches.sort { $0.range.after < $1.range.after }
        if problem == nil {
            for (previous, next) in zip(batches, batches.dropFirst()) {
                if next.range.after != previous.range.through {
                    problem =
                        next.range.after > previous.range.through
                        ? "seqs \(previous.range.through + 1)…\(next.range.after) are in no batch: \(previous.path) ends at seq \(previous.range.through), \(next.path) starts after seq \(next.range.after)"
                        : "\(next.path) starts after seq \(next.range.after), inside \(previous.path), which ends at seq \(previous.range.through) (a repeated or overlapping batch)"
                    break
                }
                if let end = previous.result.chainEnd, let start = next.result.header?.chainStart, end != start {
                    problem =
                        "\(next.path) does not continue \(previous.path): its chain starts at \(start.hash.hex) for seq \(start.seq), the batch before ends at \(end.hash.hex)"
                    break
                }
                if (previous.result.header?.filters ?? [:]) != (next.result.header?.filters ?? [:]) {
                    problem = "\(next.path) was made with other filters than \(previous.path): not one stream"
                    break
                }
            }
        }
        let first = batches.first?.range.after
        let last = batches.last?.range.through
        let events = batches.reduce(Int64(0)) { $0 + $1.result.events }
        let contiguous = batches.first?.result.header?.contiguous ?? false
        if json {
            func number(_ value: Int64?) -> String { value.map(String.init) ?? "null" }
            let text = problem.map { "\"\(jsonEscaped($0))\"" } ?? "null"
            print(
                #"{"ok":\#(problem == nil),"batches":\#(batches.count),"events":\#(events),"after":\#(number(first)),"through":\#(number(last)),"contiguous":\#(contiguous),"problem":\#(text)}"#
            )
        } else if let problem {
            print("FAILED: \(problem)")
        } else if let first, let last {
            print(
                "OK: \(batches.count) batches, \(events) events after seq \(first) through seq \(last), each verified against its checkpoint signed by \(key.text)."
            )
            print(
                contiguous
                    ? "Contiguous: every event of seqs \(first + 1)…\(last) is in exactly one batch, the chain runs through the batches unbroken, and each batch's events are the signed log's."
                    : "Filtered: every event is in the signed log and the batches' ranges meet; that no matching event was left out is not provable from the matching events alone."
            )
        }
        if problem != nil { throw ExitCode(1) }
    }
}
