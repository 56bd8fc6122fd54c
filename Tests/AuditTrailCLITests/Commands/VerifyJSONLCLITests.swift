import AuditTrail
import Foundation
import Logging
import Testing

/// `audittrail verify --jsonl DIR` on a daily JSONL log, untouched and with an edited line.
@Suite("audittrail verify --jsonl")
struct VerifyJSONLCLITests {
    @Test func verifiesADailyLogAndNamesAnEditedLine() async throws {
        let directory = NSTemporaryDirectory() + "audittrail-cli-jsonl-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try AuditJSONLLog.open(
            configuration: .init(directory: directory),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let events = try (1...5).map { _ in try AuditEventValidator().prepare(AuditEventInput(action: "data.read")) }
        _ = try log.appendSynchronously(events)
        log.close()

        let good = try await runCLI(["verify", "--jsonl", directory, "--json"])
        #expect(good.status == 0, "\(good.output)")
        #expect(good.output.contains(#""ok":true,"checked":5"#), "\(good.output)")

        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasPrefix("events-") })
        let path = directory + "/" + name
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        lines[3] = lines[3].replacingOccurrences(of: "data.read", with: "data.wipe")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)

        let bad = try await runCLI(["verify", "--jsonl", directory])
        #expect(bad.status == 1, "\(bad.output)")
        #expect(bad.output.contains("FAILED at seq 4: edited"), "\(bad.output)")
        #expect(bad.output.contains("\(name) line 4"), "\(bad.output)")
    }
}
