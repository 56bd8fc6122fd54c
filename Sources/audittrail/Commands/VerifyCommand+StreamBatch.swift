import ArgumentParser
import AuditTrail
import Foundation

/// `audittrail verify --stream-batch FILE… --public-key KEY`: the batches a stream delivered
/// (each an "AuditTrail export v1" file of a seq range), checked offline: each alone against its
/// signed checkpoint, then together — in seq order, each must start where the one before ended
/// (its range's `after` the previous `through`; for unfiltered batches its chain start the
/// previous batch's last chain hash), so a missing, repeated or altered batch is named. A
/// directory stands for its `audittrail-*.jsonl` files (what a files stream writes).
extension VerifyCommand {
    /// `paths` with each directory replaced by its batch files, in name (= seq) order.
    static func expandingDirectories(_ paths: [String]) throws -> [String] {
        try paths.flatMap { path -> [String] in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
            let files = try AuditStreamFiles.batchFiles(in: path).filter { $0.hasSuffix(".jsonl") }
            guard !files.isEmpty else { throw ValidationError("--stream-batch: \(path) holds no audittrail-*.jsonl batch file") }
            return files.map { path + "/" + $0 }
        }
    }

    func runStreamBatches(_ paths: [String]) throws {
        guard let key = try resolveKey(hasCheckpoints: true, allowSigningKey: false) else {
            throw ValidationError("--public-key: required with --stream-batch (the key `audittrail keys public` prints)")
        }
        var batches: [AuditStreamBatchChain.Batch] = []
        for path in try Self.expandingDirectories(paths) {
            let result = try verifyFile(path, flag: "--stream-batch", key: key)
            batches.append((path, result))
            // A broken batch is named at once; the rest need not be read.
            if result.problem != nil { break }
        }
        let problem = AuditStreamBatchChain.problem(batches)
        let ranges = AuditStreamBatchChain.ranges(batches)
        var counted = Set<String>()
        let events = batches.reduce(Int64(0)) { total, batch in
            guard let range = batch.result.header?.range, counted.insert("\(range.after)-\(range.through)").inserted else { return total }
            return total + batch.result.events
        }
        let first = ranges.first?.after
        let last = ranges.last?.through
        let contiguous = batches.first?.result.header?.contiguous ?? false
        let count = ranges.count
        if json {
            func number(_ value: Int64?) -> String { value.map(String.init) ?? "null" }
            let text = problem.map { "\"\(jsonEscaped($0))\"" } ?? "null"
            print(
                #"{"ok":\#(problem == nil),"batches":\#(count),"events":\#(events),"after":\#(number(first)),"through":\#(number(last)),"contiguous":\#(contiguous),"problem":\#(text)}"#
            )
        } else if let problem {
            print("FAILED: \(problem)")
        } else if let first, let last {
            print(
                "OK: \(count) batches, \(events) events after seq \(first) through seq \(last), each verified against its checkpoint signed by \(key.text)."
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
