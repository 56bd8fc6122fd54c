import AuditTrail
import Foundation
import Testing

/// Export files written before chain format v1 (no `chain_format` in the header: format 0) still
/// verify offline. `Fixtures/` holds a contiguous and a filtered export made by the release server
/// of format 0 from the SQLite store fixture `Tests/AuditTrailSQLiteTests/Fixtures/format0`.
@Suite("Exports of chain format 0")
struct ExportFormatZeroTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let publicKey = "audittrail/a44503b38c1aa0c1ce0375bf0f8d8669+771e5022+AZuuHM6d7n5fKd6WlMjmJ/Cyk3ukm/YZOr7U0YFREu78"

    static func file(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
    }

    static func verify(_ bytes: [UInt8]) throws -> AuditExportVerification {
        AuditExportVerifier.verify(chunks: [bytes], publicKey: try AuditSignerPublicKey(text: publicKey))
    }

    @Test(arguments: ["format0-contiguous.jsonl", "format0-filtered.jsonl"])
    func aFormatZeroExportVerifies(name: String) throws {
        let bytes = try Self.file(name)
        #expect(!String(decoding: bytes, as: UTF8.self).contains("chain_format"))
        let result = try Self.verify(bytes)
        #expect(result.ok, "\(String(describing: result.problem))")
        #expect(result.header?.chainFormat == .v0)
        #expect(result.events == (name.contains("contiguous") ? 21 : 4))
    }

    @Test func aFormatZeroExportIsCheckedInFormatZero() throws {
        // The event on line 8 (seq 7) with one byte of its metadata changed, its hash kept.
        var text = String(decoding: try Self.file("format0-contiguous.jsonl"), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let line = try #require(lines.firstIndex { $0.contains(#""seq":7,"#) })
        lines[line] = lines[line].replacingOccurrences(of: #""i":6"#, with: #""i":9"#)
        text = lines.joined(separator: "\n")
        let result = try Self.verify(Array(text.utf8))
        #expect(result.problem?.seq == 7)
        #expect(result.problem?.kind == .edited)
        // Declaring it format 1 does not help: its hashes are format 0's.
        let claimed = String(decoding: try Self.file("format0-contiguous.jsonl"), as: UTF8.self)
            .replacingOccurrences(of: #""checkpoint":"#, with: #""chain_format":1,"checkpoint":"#)
        let misread = try Self.verify(Array(claimed.utf8))
        #expect(misread.problem?.seq == 1)
        #expect(misread.problem?.kind == .edited)
    }
}
