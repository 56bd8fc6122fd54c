import AuditTrail
import AuditTrailClient
import Foundation
import Testing

@Suite("AuditClient consistency check", .serialized)
struct AuditClientConsistencyTests {
    @Test func checkPassesAsTheLogGrowsAndVerifiesTheSignature() async throws {
        let server = try ClientTestServer(arguments: ["--checkpoint-events", "10", "--checkpoint-seconds", "0.2"])
        try await server.start()
        let reader = try ServerReader(server)
        // The key comes with the first checkpoint, which needs an event.
        try await reader.connection.post("/v1/events", body: probeEvent("first").jsonBytes).requireSuccess()
        let latest = try await Self.latestCheckpoint(reader, atLeast: 1)
        let key = try AuditSignerPublicKey(text: latest["public_key"]?.stringValue ?? "")
        let client = try makeClient(server) { $0.checkpointPublicKey = key }
        try await withRunningClient(client) { client in
            for index in 0..<30 { try await client.write(probeEvent("c-\(index)")) }
            try await waitUntilDrained(client)
            _ = try await Self.latestCheckpoint(reader, atLeast: 30)
            let first = try #require(try await client.verifyLog())
            for index in 30..<60 { try await client.write(probeEvent("c-\(index)")) }
            try await waitUntilDrained(client)
            _ = try await Self.latestCheckpoint(reader, atLeast: first.size + 30)
            let second = try #require(try await client.verifyLog())
            #expect(second.size >= first.size + 30)
            #expect(client.status.consistencyError == nil)
            #expect(client.status.verifiedTreeSize == second.size)
        }
        await reader.shutdown()
    }

    @Test func checkFailsWhenTheDataDirectoryIsReplacedByAnotherLog() async throws {
        let arguments = ["--checkpoint-events", "5", "--checkpoint-seconds", "0.2", "--log-origin", "client-test/log"]
        let original = try ClientTestServer(arguments: arguments)
        try await original.start()
        let spool = temporaryDirectory("spool")
        let client = try makeClient(original, spool: spool)
        let originalReader = try ServerReader(original)
        try await withRunningClient(client) { client in
            for index in 0..<20 { try await client.write(probeEvent("a-\(index)")) }
            try await waitUntilDrained(client)
            _ = try await Self.latestCheckpoint(originalReader, atLeast: 20)
            #expect(try await client.verifyLog() != nil)
        }
        await originalReader.shutdown()
        await original.kill(signal: SIGTERM)

        // Another log with the same origin, on the same port, grown past the size seen before.
        let replacement = try ClientTestServer(port: original.port, arguments: arguments)
        try await replacement.start()
        let other = try makeClient(replacement)
        try await withRunningClient(other) { other in
            for index in 0..<40 { try await other.write(probeEvent("b-\(index)")) }
            try await waitUntilDrained(other)
        }
        let reader = try ServerReader(replacement)
        _ = try await Self.latestCheckpoint(reader, atLeast: 40)
        await reader.shutdown()

        // The spool's remembered checkpoint survives a restart of the client.
        let restarted = try makeClient(replacement, spool: spool)
        await #expect(throws: AuditClientError.self) { try await restarted.verifyLog() }
        do {
            try await restarted.verifyLog()
        } catch {
            #expect(error.code == .inconsistentLog)
        }
        #expect(restarted.status.consistencyError != nil)
        try await restarted.connection.shutdown()
    }

    /// Waits until the server's newest checkpoint covers at least `size` events; returns it.
    static func latestCheckpoint(_ reader: ServerReader, atLeast size: Int64) async throws -> JSONValue {
        for _ in 0..<200 {
            let response = try await reader.connection.get("/v1/checkpoints/latest")
            if response.status == 200, let latest = try? response.json(), (latest["tree_size"]?.int64Value ?? -1) >= size {
                return latest
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("no checkpoint of at least \(size) events")
    }
}
