/// The check of a stream's batches taken together, after each was verified alone
/// (``AuditExportVerifier``): in seq order each must start where the one before ended — its
/// range's `after` is the previous `through`, and for unfiltered batches its chain start the
/// previous batch's last chain hash — and all were made with the same filters. So a missing,
/// repeated, reordered or altered batch is named. `audittrail verify --stream-batch` and a
/// receiver in Swift use it; the rule is a few lines in any language (README).
///
/// ```swift
/// let results = files.map { (name: $0, result: AuditExportVerifier.verify(chunks: [bytes($0)], publicKey: key)) }
/// if let problem = AuditStreamBatchChain.problem(results) { print("FAILED: \(problem)") }
/// ```
public enum AuditStreamBatchChain {
    /// One verified batch: its name (a file, a request) and the verifier's result.
    public typealias Batch = (name: String, result: AuditExportVerification)

    /// The first problem, or nil when every batch verified and they meet; `batches` in any
    /// order (they are sorted by range). A batch that repeats a range already seen (a redelivery)
    /// must be identical in range to be dropped; anything else overlapping is a problem.
    public static func problem(_ batches: [Batch]) -> String? {
        var ranged: [(name: String, result: AuditExportVerification, range: AuditExportHeader.Range)] = []
        for batch in batches {
            if let failure = batch.result.problem {
                let line = batch.result.problemLine.map { " (line \($0))" } ?? ""
                return "\(batch.name): seq \(failure.seq): \(failure.kind.rawValue) — \(failure.detail)\(line)"
            }
            guard let range = batch.result.header?.range else {
                return "\(batch.name): not a stream batch (its header has no range: an export; check it with --export)"
            }
            ranged.append((batch.name, batch.result, range))
        }
        ranged.sort { ($0.range.after, $0.range.through) < ($1.range.after, $1.range.through) }
        // At least once: a batch delivered twice has the same range; keep one.
        var unique: [(name: String, result: AuditExportVerification, range: AuditExportHeader.Range)] = []
        for batch in ranged where unique.last.map({ $0.range.after != batch.range.after || $0.range.through != batch.range.through }) ?? true {
            unique.append(batch)
        }
        for (previous, next) in zip(unique, unique.dropFirst()) {
            if next.range.after != previous.range.through {
                return next.range.after > previous.range.through
                    ? "seqs \(previous.range.through + 1)…\(next.range.after) are in no batch: \(previous.name) ends at seq \(previous.range.through), \(next.name) starts after seq \(next.range.after)"
                    : "\(next.name) starts after seq \(next.range.after), inside \(previous.name), which ends at seq \(previous.range.through) (an overlapping batch)"
            }
            if let end = previous.result.chainEnd, let start = next.result.header?.chainStart, end != start {
                return
                    "\(next.name) does not continue \(previous.name): its chain starts at \(start.hash.hex) for seq \(start.seq), the batch before ends at \(end.hash.hex)"
            }
            if (previous.result.header?.filters ?? [:]) != (next.result.header?.filters ?? [:]) {
                return "\(next.name) was made with other filters than \(previous.name): not one stream"
            }
        }
        return nil
    }

    /// The distinct batches' ranges, in order (after ``problem(_:)`` found none).
    public static func ranges(_ batches: [Batch]) -> [AuditExportHeader.Range] {
        var seen: [AuditExportHeader.Range] = []
        for range in batches.compactMap(\.result.header?.range).sorted(by: { ($0.after, $0.through) < ($1.after, $1.through) })
        where seen.last.map({ $0.after != range.after || $0.through != range.through }) ?? true {
            seen.append(range)
        }
        return seen
    }
}
