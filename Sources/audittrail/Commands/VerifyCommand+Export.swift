import ArgumentParser
import AuditTrail
import Foundation

/// `audittrail verify --export FILE --public-key KEY`: checks an export file offline, reading it
/// in chunks (constant memory on a file of any size), with ``AuditExportVerifier``.
extension VerifyCommand {
    /// Bytes read from the file at a time.
    static let exportChunkBytes = 1 << 20

    /// Verifies the export file at `path` in chunks, with a progress line for a large file (not
    /// with --quiet or --json); an unreadable file is an error naming `flag`.
    func verifyFile(_ path: String, flag: String, key: AuditSignerPublicKey) throws -> AuditExportVerification {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ValidationError("\(flag): cannot read \(path)")
        }
        defer { try? handle.close() }
        let total = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
        let showProgress = !quiet && !json && total > 8 * Int64(Self.exportChunkBytes)
        var shownPercent: Int64 = -1
        let chunks = AnySequence {
            AnyIterator { () -> [UInt8]? in
                guard let data = try? handle.read(upToCount: Self.exportChunkBytes), !data.isEmpty else { return nil }
                return [UInt8](data)
            }
        }
        let result = AuditExportVerifier.verify(chunks: chunks, publicKey: key) { bytes, events in
            guard showProgress, total > 0 else { return }
            let percent = bytes * 100 / total
            guard percent != shownPercent else { return }
            shownPercent = percent
            FileHandleOutput.progress("verified \(events) events, \(bytes >> 20) of \(total >> 20) MiB (\(percent)%)")
        }
        if showProgress { FileHandleOutput.endProgress() }
        return result
    }

    func runExport(_ path: String) throws {
        guard let key = try resolveKey(hasCheckpoints: true, allowSigningKey: false) else {
            throw ValidationError("--public-key: required with --export (the key `audittrail keys public` prints)")
        }
        let result = try verifyFile(path, flag: "--export", key: key)
        let header = result.header
        let firstSeq = (header?.chainStart?.seq).map { $0 + 1 }
        if json {
            let problem = result.problem
            let text = problem.map { "\"\(jsonEscaped("\($0.kind.rawValue): \($0.detail)"))\"" } ?? "null"
            let kind = problem.map { "\"\($0.kind.rawValue)\"" } ?? "null"
            func number(_ value: Int64?) -> String { value.map(String.init) ?? "null" }
            print(
                #"{"ok":\#(result.ok),"checked":\#(result.events),"first_bad_seq":\#(number(problem?.seq)),"problem":\#(text),"kind":\#(kind),"line":\#(number(result.problemLine.map(Int64.init))),"tree_size":\#(number(header?.treeSize)),"contiguous":\#(header.map { "\($0.contiguous)" } ?? "null"),"first_seq":\#(number(firstSeq)),"last_seq":\#(number(result.lastSeq)),"checkpoints_checked":\#(result.checkpointsChecked)}"#
            )
        } else if let problem = result.problem {
            let line = result.problemLine.map { " (line \($0))" } ?? ""
            print("FAILED at seq \(problem.seq): \(problem.kind.rawValue) — \(problem.detail)\(line)")
            print("\(result.events) events verified before it.")
        } else if let header {
            let range = result.lastSeq.map { last in firstSeq.map { "seq \($0)…\(last)" } ?? "up to seq \(last)" } ?? "none"
            print(
                "OK: \(result.events) events (\(range)) of \(header.origin) verified against the checkpoint at tree size "
                    + "\(header.treeSize) signed by \(key.text)"
            )
            if header.contiguous {
                let onTheWay: String =
                    switch result.checkpointsChecked {
                    case 0: ""
                    case 1: " and the signed checkpoint on the way"
                    default: " and the \(result.checkpointsChecked) signed checkpoints on the way"
                    }
                print(
                    "Contiguous: every event from seq \(firstSeq ?? 1) to \(header.lastCoveredSeq); the chain and the rebuilt Merkle root match the signed root"
                        + onTheWay + "."
                )
            } else {
                let filters = header.filters.keys.sorted().map { "\($0)=\(header.filters[$0]!)" }.joined(separator: " ")
                print(
                    "Filtered (\(filters)): each event's inclusion proof leads to the signed root — the events are in the log;"
                        + " the file is not proven to hold every matching event."
                )
            }
        }
        if !result.ok { throw ExitCode(1) }
    }
}
