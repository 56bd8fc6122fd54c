import AuditTrail
import AuditTrailClient
import Foundation
import Testing

@Suite("AuditClient against a busy server", .serialized)
struct AuditClientBusyServerTests {
    /// Other producers keep a server with a small write queue full: it answers 503 with
    /// `Retry-After`, the client waits and re-sends, and once the load stops everything it was
    /// given is stored once, in order.
    @Test func aServerAnswering503IsWaitedOutAndNothingIsLostOrDuplicated() async throws {
        let server = try ClientTestServer(arguments: ["--writer-capacity", "600"])
        try await server.start()
        let reader = try ServerReader(server)
        let client = try makeClient(server) { $0.batchSize = 500 }
        let count = 2000
        let load = try AuditServerConnection(configuration: .init(server: server.url, apiKey: server.adminKey))
        let body = Array(
            (0..<500).map { index in
                String(decoding: probeEvent("load-\(index)", type: "load").jsonBytes, as: UTF8.self)
            }.joined(separator: "\n").utf8
        )

        try await withRunningClient(client) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Six producers of 500-event batches for 3 s: the queue (600) is full whenever two overlap.
                let stop = ContinuousClock.now + .seconds(3)
                for _ in 0..<6 {
                    group.addTask {
                        while ContinuousClock.now < stop {
                            _ = try? await load.post("/v1/events/batch", body: body, contentType: "application/x-ndjson")
                        }
                    }
                }
                for index in 0..<count { try client.enqueue(probeEvent("b-\(index)")) }
                try await group.waitForAll()
            }
            try await waitUntilDrained(client)
        }
        try await load.shutdown()

        let busy = try await reader.responses(route: "/v1/events/batch", status: 503)
        #expect(busy > 0)
        // More requests than batches: the client re-sent what was refused.
        #expect(client.status.requests > count / 500)
        #expect(client.status.delivered == count)
        let stored = try await reader.events(resourceType: "probe")
        #expect(stored.map(\.resource) == (0..<count).map { "b-\($0)" })
        #expect(try await reader.verifies())
        await reader.shutdown()
    }
}
