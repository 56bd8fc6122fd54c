import AuditTrail
import AuditTrailClient
import Foundation
import Testing

@testable import audittrail

@Suite("AuditClient crash and outage", .serialized)
struct AuditClientCrashTests {
    /// The probe process writes events one by one through `write` and prints each id once it is
    /// fsynced; it is SIGKILLed mid-run, and a second run on the same spool drains it.
    @Test func spoolSurvivesSIGKILLAndIsReplayedExactlyOnceInOrder() async throws {
        let server = try ClientTestServer()
        try await server.start()
        let spool = temporaryDirectory("spool")
        let first = temporaryDirectory("probe") + ".out"
        let arguments = ["--server", server.url, "--key", server.adminKey, "--spool", spool, "--batch", "25"]
        let probe = try ChildProcess(
            executable: clientTestBinary("audittrail-client-probe"),
            arguments: arguments + ["--count", "100000", "--pause-ms", "1"],
            environment: ProcessInfo.processInfo.environment,
            outputPath: first
        )
        var acknowledged: [String] = []
        for _ in 0..<600 where acknowledged.count < 300 {
            try await Task.sleep(for: .milliseconds(50))
            acknowledged = Self.acknowledgedIDs(first)
        }
        probe.signal(SIGKILL)
        await probe.exit()
        acknowledged = Self.acknowledgedIDs(first)
        #expect(acknowledged.count >= 300)

        let second = temporaryDirectory("probe") + ".out"
        let drain = try ChildProcess(
            executable: clientTestBinary("audittrail-client-probe"),
            arguments: arguments + ["--count", "0", "--drain"],
            environment: ProcessInfo.processInfo.environment,
            outputPath: second
        )
        #expect(await drain.exit() == 0)
        #expect(((try? String(contentsOfFile: second, encoding: .utf8)) ?? "").contains("drained"))

        let reader = try ServerReader(server)
        let stored = try await reader.events(resourceType: "probe")
        let storedIDs = stored.map(\.id)
        #expect(Set(storedIDs).count == storedIDs.count, "an event was stored twice")
        let counts = Dictionary(storedIDs.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(acknowledged.allSatisfy { counts[$0] == 1 }, "an acknowledged event is missing")
        // In order: the probe's n-th event is stored before its (n+1)-th.
        let indexes = stored.compactMap { Int($0.resource.dropFirst("probe-".count)) }
        #expect(indexes == Array(0..<indexes.count))
        #expect(try await reader.verifies())
        await reader.shutdown()
    }

    /// The server is killed under load and comes back 30 s later on the same data directory.
    @Test func serverDownForThirtySecondsLosesAndDuplicatesNothing() async throws {
        let server = try ClientTestServer()
        try await server.start()
        let client = try makeClient(server) { $0.batchSize = 100 }
        let written = try await withRunningClient(client) { client in
            var written = 0
            func write(for duration: Duration) async throws {
                let end = ContinuousClock.now + duration
                while ContinuousClock.now < end {
                    try await client.write(probeEvent("probe-\(written)"))
                    written += 1
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            try await write(for: .seconds(2))
            await server.kill()
            try await write(for: .seconds(30))
            #expect(client.status.lastError != nil)
            try await server.start()
            try await write(for: .seconds(1))
            try await waitUntilDrained(client)
            return written
        }
        let reader = try ServerReader(server)
        let stored = try await reader.events(resourceType: "probe")
        #expect(stored.map(\.resource) == (0..<written).map { "probe-\($0)" })
        #expect(Set(stored.map(\.id)).count == written)
        #expect(try await reader.verifies())
        await reader.shutdown()
    }

    /// The ids the probe printed as fsynced (`ack <id> <resource>` lines).
    static func acknowledgedIDs(_ path: String) -> [String] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            return parts.count == 3 && parts[0] == "ack" ? String(parts[1]) : nil
        }
    }
}
