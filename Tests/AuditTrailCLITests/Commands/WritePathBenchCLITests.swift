import Foundation
import Logging
import Testing

@testable import audittrail

/// The write path's measuring tools: `bench stages` on the real binary, the wrk figures `bench
/// http` reads, and serve's log handler.
@Suite("Write-path benches (bench stages, bench http's parsing, serve's log handler)")
struct WritePathBenchCLITests {
    /// Every stage runs and is timed, the sum and SQLite's own limit are printed.
    @Test func stagesTimesEveryStageOfTheWritePath() async throws {
        let result = try await runCLI(["bench", "stages", "--events", "3000", "--batch", "500"])
        #expect(result.status == 0, "\(result.output)")
        for stage in [
            "| input", "| prepare: validate", "| prepare from JSON", "| seal:", "| store append:", "| WAL checkpoint:",
            "| search index: each event's keys", "| search index: complete chunks written (0 of", "| checkpoint signature", "| **sum** |",
            "SQLite's append limit, same run (3000 rows of",
        ] {
            #expect(result.output.contains(stage), "missing \(stage):\n\(result.output)")
        }
    }

    @Test func theStagesRefuseAnEmptyRun() async throws {
        let result = try await runCLI(["bench", "stages", "--events", "10"])
        #expect(result.status != 0)
        #expect(result.output.contains("--events: must be from 1000 to 10000000"), "\(result.output)")
    }

    @Test(arguments: [
        ("850.00us", 0.85 as Double?), ("4.63ms", 4.63), ("1.02s", 1020), ("2.00m", 120_000), ("?", nil), ("12", nil),
    ])
    func wrkLatenciesReadAsMilliseconds(text: String, milliseconds: Double?) {
        let read = BenchWrk.milliseconds(text)
        if let milliseconds {
            #expect(read.map { abs($0 - milliseconds) < 1e-9 } == true, "\(String(describing: read))")
        } else {
            #expect(read == nil)
        }
    }

    /// Metadata set on the logger is kept as set and written with the line; the call's own
    /// metadata wins over the logger's for the same key.
    @Test func serveLogHandlerKeepsMetadataUntilALineIsWritten() {
        var handler = LazyMetadataLogHandler(label: "test", level: .debug)
        handler[metadataKey: "hb.request.id"] = "1"
        handler[metadataKey: "audit.key.id"] = "k"
        #expect(handler.metadata == ["hb.request.id": "1", "audit.key.id": "k"])
        #expect(handler[metadataKey: "audit.key.id"] == "k")
        handler.logLevel = .warning
        #expect(handler.logLevel == .warning)
    }
}
