/// Verifies a daily JSONL log directory (``AuditJSONLLog``) offline: no database, no server.
///
/// It walks the day files in day order and every line in file order, keeping only the chain head,
/// and checks each line as an export's event line: it must end in `,"hash":"<hex>"}` and carry a
/// seq; seqs must run gap-free from the chain start; each chain hash is recomputed from the
/// previous one with the core ``AuditChainVerifier``; and each event's `received_at` must fall on
/// its file's day. The first problem names its seq, file and line:
///
/// - an **edited** line (bytes or hash changed) → `edited` at its seq;
/// - a **deleted** line → `missing` at the seq that is absent;
/// - a **reordered** line (moved later or earlier, or into another day's file) → `reordered` at
///   the seq found out of place;
/// - an **inserted** line (a repeated or earlier seq) → `inserted` at its seq; an inserted line
///   with a new seq breaks the chain → `edited`.
///
/// What it cannot see from the files alone: the newest events cut off the end (compare the head
/// with one kept elsewhere: ``AuditJSONLVerification/head``). A torn last line (an append that
/// never finished, never acknowledged; the log cuts it off when it next opens) is reported in
/// ``AuditJSONLVerification/tornBytes``, not as a problem.
///
/// ```swift
/// let result = try AuditJSONLVerifier.verify(directory: "audit")
/// if let problem = result.problem { print("\(result.problemFile ?? "") line \(result.problemLine ?? 0): \(problem)") }
/// ```
public enum AuditJSONLVerifier {
    /// Verifies every day file in `directory` from `start` (the genesis: the log's seq 1 must be
    /// there).
    /// - Throws: ``AuditTrailError`` `.storeFailure` when a file cannot be read.
    public static func verify(
        directory: String,
        start: AuditChainHead = AuditChainHead(seq: 0, hash: AuditChain.genesis)
    ) throws -> AuditJSONLVerification {
        let files = try AuditJSONLFiles.dayFiles(in: directory)
        var walk = Walk(chain: AuditChainVerifier(start: start))
        var torn = 0
        for (index, name) in files.enumerated() {
            let day = Array("\"received_at\":\"\(AuditJSONLFiles.day(of: name) ?? "")".utf8)
            var lineNumber = 0
            let end = try AuditJSONLLines.scan(directory + "/" + name, from: 0) { line, _ in
                lineNumber += 1
                walk.check(line, day: day, file: name, line: lineNumber)
                return walk.problem == nil || walk.gap != nil
            }
            if walk.problem != nil, walk.gap == nil { break }
            if end.tornBytes > 0 {
                if index == files.count - 1 {
                    torn = end.tornBytes
                } else {
                    walk.fail(
                        .edited,
                        seq: walk.chain.head.seq + 1,
                        file: name,
                        line: lineNumber + 1,
                        "\(name) ends inside a line but is not the newest day file"
                    )
                    break
                }
            }
        }
        if let gap = walk.gap, walk.problem == nil {
            walk.fail(
                .missing,
                seq: gap.expected,
                file: gap.file,
                line: gap.line,
                "seq \(gap.expected)…\(gap.found - 1) are not in the log (\(gap.file) line \(gap.line) holds seq \(gap.found))"
            )
        }
        return AuditJSONLVerification(
            files: files.count,
            checked: walk.chain.checked,
            head: walk.chain.head,
            tornBytes: torn,
            problem: walk.problem,
            problemFile: walk.problemFile,
            problemLine: walk.problemLine
        )
    }

    /// The state of one walk over the lines.
    struct Walk {
        var chain: AuditChainVerifier
        /// A seq that was due when a later one came: the rest is scanned for it (reordered), and
        /// it is missing if it never comes.
        var gap: (expected: Int64, found: Int64, file: String, line: Int)?
        var problem: AuditChainVerifier.Problem?
        var problemFile: String?
        var problemLine: Int?

        mutating func check(_ line: [UInt8], day: [UInt8], file: String, line number: Int) {
            guard let row = AuditJSONLLines.event(line) else {
                if gap != nil { return }
                return fail(
                    .edited,
                    seq: chain.head.seq + 1,
                    file: file,
                    line: number,
                    "not an event line (an event object ending in ,\"hash\":\"<64 hex>\"} with a seq)"
                )
            }
            if let gap {
                if row.seq == gap.expected {
                    fail(
                        .reordered,
                        seq: row.seq,
                        file: file,
                        line: number,
                        "seq \(row.seq) comes after seq \(gap.found) (\(gap.file) line \(gap.line))"
                    )
                    self.gap = nil
                }
                return
            }
            if let found = chain.check(row) {
                if found.kind == .missing {
                    gap = (expected: found.seq, found: row.seq, file: file, line: number)
                    return
                }
                return fail(found.kind, seq: found.seq, file: file, line: number, found.detail)
            }
            if !contains(row.canonical, day) {
                fail(.reordered, seq: row.seq, file: file, line: number, "the event was received on another day than its file's")
            }
        }

        mutating func fail(_ kind: AuditChainVerifier.Problem.Kind, seq: Int64, file: String, line: Int, _ detail: String) {
            guard problem == nil else { return }
            problem = AuditChainVerifier.Problem(seq: seq, kind: kind, detail: detail)
            problemFile = file
            problemLine = line
        }

        private func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
            guard needle.count <= bytes.count else { return false }
            for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
                if bytes[start..<(start + needle.count)].elementsEqual(needle) { return true }
            }
            return false
        }
    }
}
