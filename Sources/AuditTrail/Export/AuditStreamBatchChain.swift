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

    /// The first problem, or nil when every batch verified and together they cover one range
    /// with no gap; `batches` in any order (they are sorted by range). Delivery is at least once, so
    /// a batch may come again — the same range, or a longer one from the same start after a
    /// failure — and batches may overlap: each is proven alone against its signed checkpoint to be
    /// exactly the log's events of its range, so an overlap repeats events, it cannot change them.
    /// Where one batch starts exactly where the furthest-reaching one before it ends, a contiguous
    /// batch's chain must continue that one's last hash.
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
        guard var furthest = ranged.first else { return nil }
        for next in ranged.dropFirst() {
            if (furthest.result.header?.filters ?? [:]) != (next.result.header?.filters ?? [:]) {
                return "\(next.name) was made with other filters than \(furthest.name): not one stream"
            }
            if next.range.after > furthest.range.through {
                return
                    "seqs \(furthest.range.through + 1)…\(next.range.after) are in no batch: \(furthest.name) ends at seq \(furthest.range.through), \(next.name) starts after seq \(next.range.after)"
            }
            // Within what is covered already: a redelivery.
            if next.range.through <= furthest.range.through { continue }
            if next.range.after == furthest.range.through, let end = furthest.result.chainEnd, let start = next.result.header?.chainStart,
                end != start
            {
                return
                    "\(next.name) does not continue \(furthest.name): its chain starts at \(start.hash.hex) for seq \(start.seq), the batch before ends at \(end.hash.hex)"
            }
            furthest = next
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
