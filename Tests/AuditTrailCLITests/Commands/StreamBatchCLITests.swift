import AuditTrail
import AuditTrailClient
import Foundation
import Testing

@testable import audittrail

/// Incremental exports (`export --after`) and `verify --stream-batch`: consecutive batches are
/// proven to meet, each against its own signed checkpoint; a gap, an overlap, an edit or a batch
/// of another log is named.
@Suite("stream batches and incremental exports", .serialized)
struct StreamBatchCLITests {
    static let key = "batch-admin-key-0123456789"

    @Test func incrementalExportsVerifyAsBatchesThatMeet() async throws {
        let directory = temporaryDataDirectory()
        let files = (0..<4).map { directory + ".batch-\($0).jsonl" }
        defer { for path in [directory] + files { try? FileManager.default.removeItem(atPath: path) } }
        let server = try ServerProcess(dataDirectory: directory, environment: ["AUDITTRAIL_ADMIN_KEY": Self.key])
        try await server.waitUntilHealthy()
        let url = "http://127.0.0.1:\(server.port)"
        func post(_ count: Int) async throws {
            let events = (0..<count).map { #"{"action":"doc.view","actor":{"id":"u-\#($0)"}}"# }
            #expect(
                try await server.request("POST", "/v1/events/batch", key: Self.key, json: "[" + events.joined(separator: ",") + "]").status == 201
            )
        }
        func export(after: Int64, to file: String) async throws -> Int64 {
            let result = try await runCLI(
                ["export", "--server", url, "--after", String(after), "--output", file, "--quiet"],
                environment: ["AUDITTRAIL_API_KEY": Self.key]
            )
            #expect(result.status == 0, "\(result.output)")
            let header = try AuditExportHeader(line: try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")[0].utf8)
            return try #require(header.range?.through)
        }
        try await post(10)
        let first = try await export(after: 0, to: files[0])
        try await post(7)
        let second = try await export(after: first, to: files[1])
        #expect(second > first)
        await server.stop(signal: SIGTERM)
        let publicKey = try #require(
            try await runCLI(["keys", "public", "--data-dir", directory]).output.split(separator: "\n").first.map(String.init)
        )

        func verify(_ paths: [String]) async throws -> (status: Int32, output: String) {
            try await runCLI(["verify", "--public-key", publicKey, "--json"] + paths.flatMap { ["--stream-batch", $0] })
        }
        let both = try await verify([files[1], files[0]])
        #expect(both.status == 0 && both.output.contains(#""ok":true"#) && both.output.contains(#""after":0,"through":\#(second)"#), "\(both.output)")

        // A third batch starting inside the second (a redelivery from a later start): an overlap
        // repeats events, each batch proven alone, so the copy still verifies.
        let overlap = try await runCLI(["export", "--data-dir", directory, "--after", String(first + 2), "--output", files[2], "--quiet"])
        #expect(overlap.status == 0, "\(overlap.output)")
        let overlapping = try await verify([files[0], files[1], files[2]])
        #expect(overlapping.status == 0 && overlapping.output.contains(#""ok":true"#), "\(overlapping.output)")
        // Without the second batch the first and third leave a gap.
        let gap = try await verify([files[0], files[2]])
        #expect(gap.status == 1 && gap.output.contains("are in no batch"), "\(gap.output)")

        // An edited event in a batch.
        var text = try String(contentsOfFile: files[1], encoding: .utf8)
        text = text.replacingOccurrences(of: #""actor":{"id":"u-3"}"#, with: #""actor":{"id":"u-9"}"#)
        try text.write(toFile: files[3], atomically: true, encoding: .utf8)
        let edited = try await verify([files[0], files[3]])
        #expect(edited.status == 1 && edited.output.contains(#""ok":false"#), "\(edited.output)")

        // A whole export is not a batch; a bad --after is named.
        let whole = try await runCLI(["export", "--data-dir", directory, "--output", files[3], "--quiet"])
        #expect(whole.status == 0, "\(whole.output)")
        let notABatch = try await verify([files[3]])
        #expect(notABatch.status == 1 && notABatch.output.contains("not a stream batch"), "\(notABatch.output)")
        let bad = try await runCLI(["export", "--data-dir", directory, "--after", "-1"])
        #expect(bad.status == 64 && bad.output.contains("--after"), "\(bad.output)")
    }
}
