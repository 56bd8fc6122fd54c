import AuditTrail
import AuditTrailClient
import Foundation
import Testing

@Suite("AuditClient delivery", .serialized)
struct AuditClientDeliveryTests {
    @Test func eventsArriveInAtMostCeilNOverBatchRequests() async throws {
        let server = try ClientTestServer()
        try await server.start()
        let reader = try ServerReader(server)
        let client = try makeClient(server) { $0.batchSize = 500 }
        let count = 1200
        for index in 0..<count { try client.enqueue(probeEvent("e-\(index)")) }
        let before = try await reader.batchRequests()
        try await withRunningClient(client) { client in try await waitUntilDrained(client) }
        let requests = try await reader.batchRequests() - before
        #expect(requests >= 1)
        #expect(requests <= (count + 499) / 500)
        let stored = try await reader.events(resourceType: "probe")
        #expect(stored.map(\.resource) == (0..<count).map { "e-\($0)" })
        #expect(try await reader.verifies())
        await reader.shutdown()
    }

    @Test("a partial batch waits for the flush interval only while others are on the wire; a segment's last batch never waits")
    func partialBatchesGoAtOnceWhenTheWireIsIdleOrTheSegmentIsFinished() async throws {
        let server = try ClientTestServer()
        try await server.start()
        let reader = try ServerReader(server)
        // A flush interval far longer than the test may take: any wait for it fails the test.
        let client = try makeClient(server) {
            $0.flushInterval = .seconds(30)
            $0.batchSize = 100
            $0.spoolSegmentBytes = 16 << 10
        }
        // 1,000 events over ~25 segments of 16 KiB: every segment ends in a batch of fewer than
        // 100, which used to wait a flush interval for events that could never join it.
        let count = 1000
        for index in 0..<count { try client.enqueue(probeEvent("s-\(index)")) }
        let clock = ContinuousClock()
        let start = clock.now
        try await withRunningClient(client) { client in
            try await waitUntilDrained(client, seconds: 20)
            // One event on an idle client goes at once, not after the flush interval.
            let single = clock.now
            try await client.write(probeEvent("single"))
            try await waitUntilDrained(client, seconds: 20)
            #expect(clock.now - single < .seconds(10))
        }
        #expect(clock.now - start < .seconds(25))
        let stored = try await reader.events(resourceType: "probe")
        #expect(stored.map(\.resource) == (0..<count).map { "s-\($0)" } + ["single"])
        #expect(try await reader.verifies())
        await reader.shutdown()
    }

    @Test func clientStartedBeforeTheServerDeliversOnceItIsUp() async throws {
        let server = try ClientTestServer()
        let client = try makeClient(server)
        try await withRunningClient(client) { client in
            for index in 0..<50 { try await client.write(probeEvent("early-\(index)")) }
            // The first attempt fails once the connect timeout (5 s) has passed.
            for _ in 0..<300 where client.status.lastError == nil { try await Task.sleep(for: .milliseconds(50)) }
            #expect(client.status.lastError != nil)
            #expect(client.status.delivered == 0)
            try await server.start()
            try await waitUntilDrained(client)
        }
        let reader = try ServerReader(server)
        let stored = try await reader.events(resourceType: "probe")
        #expect(stored.map(\.resource) == (0..<50).map { "early-\($0)" })
        #expect(client.status.delivered == 50)
        await reader.shutdown()
    }

    @Test func poisonedEventIsMovedAsideAndTheRestIsDelivered() async throws {
        let server = try ClientTestServer()
        try await server.start()
        // A client whose validator allows longer strings than the server (version skew): the
        // server refuses that one event with 400, and the batch it is in.
        let spool = temporaryDirectory("spool")
        let client = try makeClient(server, spool: spool) { $0.validator.maxStringLength = 16 * 1024 }
        for index in 0..<40 {
            var event = probeEvent("p-\(index)")
            if index == 17 { event.description = String(repeating: "x", count: 9000) }
            try client.enqueue(event)
        }
        try await withRunningClient(client) { client in try await waitUntilDrained(client) }
        let reader = try ServerReader(server)
        let stored = try await reader.events(resourceType: "probe")
        #expect(stored.map(\.resource) == (0..<40).filter { $0 != 17 }.map { "p-\($0)" })
        #expect(client.status.rejected == 1)
        let rejected = try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasPrefix("rejected-") }
        #expect(rejected.count == 1)
        let text = try String(contentsOfFile: spool + "/" + (rejected.first ?? ""), encoding: .utf8)
        #expect(text.contains("p-17"))
        #expect(text.contains("\"status\":400"))
        #expect(text.contains("description"))
        await reader.shutdown()
    }

    @Test func aWindowOfBatchesIsStoredInSpoolOrder() async throws {
        let server = try ClientTestServer()
        try await server.start()
        let client = try makeClient(server) { configuration in
            configuration.batchSize = 25
            configuration.maxBatchesInFlight = 8
        }
        let count = 4000
        for index in 0..<count { try client.enqueue(probeEvent("w-\(index)")) }
        try await withRunningClient(client) { client in try await waitUntilDrained(client) }
        let reader = try ServerReader(server)
        #expect(try await reader.events(resourceType: "probe").map(\.resource) == (0..<count).map { "w-\($0)" })
        #expect(client.status.delivered == count)
        #expect(try await reader.verifies())
        await reader.shutdown()
    }

    @Test func poisonedEventInTheMiddleOfAWindowLeavesTheRestInOrder() async throws {
        let server = try ClientTestServer()
        try await server.start()
        let client = try makeClient(server) { configuration in
            configuration.validator.maxStringLength = 16 * 1024
            configuration.batchSize = 10
            configuration.maxBatchesInFlight = 4
        }
        for index in 0..<80 {
            var event = probeEvent("m-\(index)")
            if index == 13 { event.description = String(repeating: "x", count: 9000) }
            try client.enqueue(event)
        }
        try await withRunningClient(client) { client in try await waitUntilDrained(client) }
        let reader = try ServerReader(server)
        #expect(try await reader.events(resourceType: "probe").map(\.resource) == (0..<80).filter { $0 != 13 }.map { "m-\($0)" })
        #expect(client.status.rejected == 1)
        #expect(client.status.delivered == 79)
        await reader.shutdown()
    }

    @Test func fullSpoolRefusesWithOverloadedAndDropsNothing() async throws {
        let server = try ClientTestServer()
        let client = try makeClient(server) { $0.spoolMaxBytes = 4096 }
        var accepted = 0
        var refusal: AuditTrailError?
        for index in 0..<100 {
            do throws(AuditTrailError) {
                try client.enqueue(probeEvent("o-\(index)"))
                accepted += 1
            } catch {
                refusal = error
                break
            }
        }
        #expect(refusal?.code == .overloaded)
        #expect(accepted > 0 && accepted < 100)
        try await server.start()
        try await withRunningClient(client) { client in try await waitUntilDrained(client) }
        let reader = try ServerReader(server)
        #expect(try await reader.events(resourceType: "probe").map(\.resource) == (0..<accepted).map { "o-\($0)" })
        await reader.shutdown()
    }
}
