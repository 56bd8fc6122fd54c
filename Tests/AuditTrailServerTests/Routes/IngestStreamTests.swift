import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Testing

@testable import AuditTrailServer

/// `Audit-Batch-Stream` / `Audit-Batch-Sequence`: one producer's batches stored in its order.
@Suite struct IngestStreamTests {
    static func batch(_ prefix: String, count: Int) -> String {
        (0..<count).map { #"{"action":"doc.view","resource":{"type":"doc","id":"\#(prefix)\#($0)"}}"# }.joined(separator: "\n")
    }

    static func post(
        _ api: TestAPI,
        _ body: String,
        stream: String?,
        sequence: String?,
        key: String = adminSecret
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let stream { headers[AuditIngestStream.streamHeader] = stream }
        if let sequence { headers[AuditIngestStream.sequenceHeader] = sequence }
        return try await api.send(.post, "/v1/events/batch", key: key, body: body, contentType: "application/x-ndjson", headers: headers)
    }

    /// The resource ids in seq order.
    static func storedOrder(_ api: TestAPI) async throws -> [String] {
        let list = try await api.send(.get, "/v1/events?action=doc.view&order=asc&limit=100")
        return list.json["events"]?.arrayValue?.compactMap { $0["resource"]?["id"]?.stringValue } ?? []
    }

    @Test func streamBatchesArrivingOutOfOrderAreStoredInStreamOrder() async throws {
        try await withServer { _, api in
            // The second batch arrives first; it waits for the first, which is stored before it.
            async let second = Self.post(api, Self.batch("b", count: 3), stream: "s-1", sequence: "3")
            try await Task.sleep(for: .milliseconds(200))
            let first = try await Self.post(api, Self.batch("a", count: 3), stream: "s-1", sequence: "0")
            #expect(first.status == .created)
            #expect(try await second.status == .created)
            #expect(try await Self.storedOrder(api) == ["a0", "a1", "a2", "b0", "b1", "b2"])
        }
    }

    @Test func streamBatchWhosePredecessorNeverComesIsRefusedWith409() async throws {
        try await withServer { _, api in
            let clock = ContinuousClock()
            let start = clock.now
            let reply = try await Self.post(api, Self.batch("x", count: 2), stream: "s-2", sequence: "5")
            #expect(reply.status == .conflict)
            #expect(reply.json["type"]?.stringValue == "urn:audittrail:problem:stream-out-of-order")
            #expect(reply.headers[.retryAfter] == "1")
            #expect(reply.errorFields == ["Audit-Batch-Sequence"])
            #expect(clock.now - start < .seconds(10))
            #expect(try await Self.storedOrder(api).isEmpty)
        }
    }

    @Test func aResentStreamBatchIsStoredOnceWithoutWaiting() async throws {
        try await withServer { _, api in
            let body = [0, 1].map { index in
                #"{"id":"0193f7e2-6c1a-7b0e-9d3c-2a1b4c5d6e7\#(index)","action":"doc.view","resource":{"type":"doc","id":"r\#(index)"}}"#
            }.joined(separator: "\n")
            let first = try await Self.post(api, body, stream: "s-3", sequence: "0")
            #expect(first.status == .created)
            let second = try await Self.post(api, Self.batch("c", count: 1), stream: "s-3", sequence: "2")
            #expect(second.status == .created)
            // It does not wait for a turn (that would end in a 503 after the wait).
            let again = try await Self.post(api, body, stream: "s-3", sequence: "0")
            #expect(again.status == .ok)
            let order = try await Self.storedOrder(api)
            #expect(order == ["r0", "r1", "c0"])
        }
    }

    @Test func streamsBelongToTheKeyThatSentThem() async throws {
        try await withServer { _, api in
            let writer = try await api.createKey(role: "writer")
            #expect(try await Self.post(api, Self.batch("a", count: 3), stream: "shared", sequence: "0").status == .created)
            // The same token from another key is another (unknown) stream: it does not continue at 3.
            let other = try await Self.post(api, Self.batch("b", count: 1), stream: "shared", sequence: "3", key: writer.secret)
            #expect(other.status == .conflict)
        }
    }

    static let badHeaders: [(stream: String?, sequence: String?, field: String)] = [
        ("", "0", "Audit-Batch-Stream"),
        ("has space", "0", "Audit-Batch-Stream"),
        (String(repeating: "x", count: 65), "0", "Audit-Batch-Stream"),
        ("s", "-1", "Audit-Batch-Sequence"),
        ("s", "1e3", "Audit-Batch-Sequence"),
        ("s", "", "Audit-Batch-Sequence"),
        ("s", "+1", "Audit-Batch-Sequence"),
        ("s", "99999999999999999999", "Audit-Batch-Sequence"),
    ]

    @Test(arguments: badHeaders)
    func invalidStreamHeadersAreRefusedNamingTheHeader(stream: String?, sequence: String?, field: String) async throws {
        try await withServer { _, api in
            let reply = try await Self.post(api, Self.batch("a", count: 1), stream: stream, sequence: sequence)
            #expect(reply.status == .badRequest)
            #expect(reply.errorFields == [field])
            #expect(try await Self.storedOrder(api).isEmpty)
        }
    }

    /// One header without the other is ignored: the batch is stored as if it named no stream.
    @Test(arguments: [("s", nil), (nil, "5")] as [(String?, String?)])
    func oneStreamHeaderAloneIsIgnored(stream: String?, sequence: String?) async throws {
        try await withServer { _, api in
            let reply = try await Self.post(api, Self.batch("a", count: 1), stream: stream, sequence: sequence)
            #expect(reply.status == .created, "\(reply.text)")
            #expect(try await Self.storedOrder(api) == ["a0"])
        }
    }

    @Test func aWaitingBatchGivesUpWhenItsRequestIsCancelled() async throws {
        // The wait is an hour: only the cancellation can end it within the test's bound, which
        // is loose because the whole suite on two shared cores can starve a task for seconds.
        let sequencer = AuditIngestSequencer(configuration: .init(wait: .seconds(3600)))
        let stream = AuditIngestSequencer.StreamID(keyID: "k", token: "t")
        let clock = ContinuousClock()
        let start = clock.now
        let waiting = Task { await sequencer.awaitTurn(stream, first: 7) }
        try await Task.sleep(for: .milliseconds(100))
        waiting.cancel()
        #expect(await waiting.value == false)
        #expect(clock.now - start < .seconds(300))
    }

    @Test func theSequencerForgetsTheLeastRecentlyUsedStreamWhenFull() async {
        let sequencer = AuditIngestSequencer(configuration: .init(wait: .milliseconds(50), maxStreams: 2))
        for token in ["a", "b", "c"] {
            #expect(await sequencer.awaitTurn(.init(keyID: "k", token: token), first: 0))
            sequencer.queued(.init(keyID: "k", token: token), first: 0, end: 1)
        }
        #expect(sequencer.streamCount == 2)
        // "a" was forgotten: it no longer continues at 1.
        #expect(await sequencer.awaitTurn(.init(keyID: "k", token: "a"), first: 1) == false)
        #expect(await sequencer.awaitTurn(.init(keyID: "k", token: "c"), first: 1))
    }
}
