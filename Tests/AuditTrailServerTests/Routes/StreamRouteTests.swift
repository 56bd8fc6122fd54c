import AuditTrail
import AuditTrailClient
import AuditTrailHummingbird
import AuditTrailPostgres
import AuditTrailTesting
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@testable import AuditTrailServer

/// `GET /v1/stream`: the live tail, read by a real HTTP client from a live server.
@Suite struct StreamRouteTests {
    @Test("new events arrive in seq order; a resume by Last-Event-ID or after misses nothing and repeats nothing", arguments: TestStore.available)
    func eventsArriveInOrderAndAResumeMissesNothing(store: TestStore) async throws {
        try await withServer(setup: .live, on: store) { _, api in
            let port = try #require(api.client.port)
            let first = try StreamReader(port: port, path: "/v1/stream?action=doc.*")
            try await first.waitUntilConnected()
            var posted: [Int64] = []
            for index in 0..<10 {
                let action = index.isMultiple(of: 2) ? "doc.view" : "user.login"
                let reply = try await api.ingest(#"{"action":"\#(action)","actor":{"id":"u-\#(index)"}}"#)
                if action == "doc.view" { posted.append(try #require(reply.json["seq"]?.int64Value)) }
            }
            let seen = try await first.waitUntil("five doc.view events") { $0.seqs.count >= 5 }
            #expect(seen.seqs == posted)
            #expect(seen.events.map { $0["seq"]?.int64Value } == posted.map { $0 })
            #expect(seen.events.allSatisfy { $0["action"]?.stringValue == "doc.view" && $0["hash"]?.stringValue?.count == 64 })
            await first.stop()

            var missed: [Int64] = []
            for index in 10..<16 {
                let action = index.isMultiple(of: 2) ? "doc.view" : "user.login"
                let reply = try await api.ingest(#"{"action":"\#(action)"}"#)
                if action == "doc.view" { missed.append(try #require(reply.json["seq"]?.int64Value)) }
            }
            let last = try #require(posted.last)
            let byHeader = try StreamReader(port: port, path: "/v1/stream?action=doc.*", headers: [("Last-Event-ID", String(last))])
            let byParameter = try StreamReader(port: port, path: "/v1/stream?action=doc.*&after=\(last)")
            // The header wins over the parameter (a reconnecting EventSource sends both).
            let both = try StreamReader(port: port, path: "/v1/stream?action=doc.*&after=0", headers: [("Last-Event-ID", String(last))])
            for reader in [byHeader, byParameter, both] {
                try await reader.waitUntil("the three missed events") { $0.seqs.count >= 3 }
            }
            try await Task.sleep(for: .milliseconds(300))
            for reader in [byHeader, byParameter, both] {
                #expect(reader.snapshot.seqs == missed)
                await reader.stop()
            }
        }
    }

    /// Two servers on one PostgreSQL log: a tail on one sees, in seq order and at once, the events
    /// the other commits — woken by the other's NOTIFY, with --tail-poll and the heartbeat set far
    /// beyond the test's wait, and no commit of its own.
    @Test(.enabled(if: AuditTestPostgres.isAvailable, AuditTestPostgres.unavailable))
    func aTailOnOneServerSeesWhatAnotherServerOnTheLogCommits() async throws {
        let schema = AuditTestPostgres.newSchema()
        let keyFile = NSTemporaryDirectory() + "audittrail-tail-shared-\(UUID().uuidString).key"
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        _ = try AuditSigner.loadOrCreate(at: keyFile, name: "shared")
        let onSchema: @Sendable (inout AuditServerConfiguration) -> Void = {
            $0.database?.schema = schema
            $0.signingKeyFile = keyFile
            $0.options.tail.poll = .seconds(600)
            $0.options.tail.heartbeat = .seconds(600)
        }
        try await withServer(setup: .live, on: .postgres, onSchema) { _, firstAPI in
            try await withServer(on: .postgres, onSchema) { _, secondAPI in
                let reader = try StreamReader(port: try #require(firstAPI.client.port), path: "/v1/stream?action=doc.*")
                try await reader.waitUntilConnected()
                var posted: [Int64] = []
                for _ in 0..<6 {
                    posted.append(try #require(try await secondAPI.ingest(#"{"action":"doc.view"}"#).json["seq"]?.int64Value))
                }
                try await reader.waitUntil("six events from the other server", within: .seconds(20)) { $0.seqs.count >= 6 }
                #expect(reader.snapshot.seqs == posted)
                await reader.stop()
            }
        }
    }

    @Test("a viewer's tail holds only its own subject's events, replayed ones included")
    func aViewerSeesOnlyItsOwnEvents() async throws {
        try await withServer(setup: .live) { _, api in
            let port = try #require(api.client.port)
            let viewer = try await api.createKey(role: "viewer", subject: "u-1")
            for index in 0..<6 { try await api.ingest(#"{"action":"doc.view","actor":{"id":"u-\#(index % 2)"}}"#) }
            // "u-1" and a canonically equivalent spelling differ byte for byte: not the subject.
            try await api.ingest(#"{"action":"doc.view","actor":{"id":"u-1\u0301"}}"#)
            let reader = try StreamReader(port: port, key: viewer.secret, path: "/v1/stream?after=0")
            let seen = try await reader.waitUntil("the viewer's three events") { $0.seqs.count >= 3 }
            try await api.ingest(#"{"action":"doc.edit","actor":{"id":"u-0"}}"#)
            try await api.ingest(#"{"action":"doc.edit","actor":{"id":"u-1"}}"#)
            let more = try await reader.waitUntil("the viewer's new event") { $0.seqs.count >= 4 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(reader.snapshot.seqs.count == 4)
            #expect(more.events.allSatisfy { $0["actor"]?["id"]?.stringValue == "u-1" }, "\(seen.events)")
            await reader.stop()
        }
    }

    @Test func badRequestsAreRefusedNamingTheFieldBeforeAnyStream() async throws {
        try await withServer { _, api in
            let writer = try await api.createKey(role: "writer")
            #expect(try await api.send(.get, "/v1/stream", key: nil).status == .unauthorized)
            #expect(try await api.send(.get, "/v1/stream", key: writer.secret).status == .forbidden)
            let cases: [(String, HTTPFields, [String])] = [
                ("/v1/stream?after=x", [:], ["after"]),
                ("/v1/stream?after=-1", [:], ["after"]),
                ("/v1/stream?after=99999999999999999999", [:], ["after"]),
                ("/v1/stream?after=1&after=2", [:], ["after"]),
                ("/v1/stream?limit=5&cursor=c1&order=asc", [:], ["limit", "cursor", "order"]),
                ("/v1/stream?bogus=1", [:], ["bogus"]),
                ("/v1/stream?q=action:(", [:], ["q"]),
                ("/v1/stream?outcome=maybe", [:], ["outcome"]),
                ("/v1/stream", [HTTPField.Name("Last-Event-ID")!: "seven"], ["Last-Event-ID"]),
            ]
            for (uri, headers, fields) in cases {
                let reply = try await api.send(.get, uri, headers: headers)
                #expect(reply.status == .badRequest, "\(uri): \(reply.text)")
                #expect(Set(reply.errorFields) == Set(fields), "\(uri): \(reply.text)")
            }
        }
    }

    @Test("an idle tail gets heartbeats that carry its position past events it filtered out")
    func idleStreamsCarryHeartbeatsWithThePosition() async throws {
        let configure: (inout AuditServerConfiguration) -> Void = { $0.options.tail.heartbeat = .milliseconds(200) }
        try await withServer(setup: .live, configure) { server, api in
            let port = try #require(api.client.port)
            let reader = try StreamReader(port: port, path: "/v1/stream?action=never.happens")
            try await reader.waitUntilConnected()
            for _ in 0..<3 { try await api.ingest(#"{"action":"doc.view"}"#) }
            let head = try await server.store.head().seq
            let seen = try await reader.waitUntil("a heartbeat at the head") { ($0.lastEventID.flatMap { Int64($0) } ?? 0) >= head }
            #expect(seen.seqs.isEmpty)
            await reader.stop()
        }
    }

    @Test("tails beyond --tail-max-streams are answered 503 with Retry-After")
    func tailsBeyondTheLimitAre503() async throws {
        let configure: (inout AuditServerConfiguration) -> Void = { $0.options.tail.maxStreams = 1 }
        try await withServer(setup: .live, configure) { _, api in
            let port = try #require(api.client.port)
            let reader = try StreamReader(port: port, path: "/v1/stream")
            try await reader.waitUntilConnected()
            let metrics = try await api.send(.get, "/metrics")
            #expect(metrics.text.contains("\naudittrail_live_tails 1"), "\(metrics.text.prefix(2000))")
            let refused = try await api.send(.get, "/v1/stream")
            #expect(refused.status == .serviceUnavailable, "\(refused.text)")
            #expect(refused.headers[.retryAfter] != nil)
            #expect(refused.json["type"]?.stringValue == "urn:audittrail:problem:too-many-streams")
            await reader.stop()
            // The slot is free again once the server has seen the first tail's client go (it
            // looks at least every --tail-poll, 1 s).
            var status: Int?
            for _ in 0..<50 where status != 200 {
                let again = try StreamReader(port: port, path: "/v1/stream")
                status = try await again.waitUntil("an answer") { $0.status != nil || $0.ended }.status
                await again.stop()
                if status != 200 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(status == 200)
        }
    }
    /// A client that stops reading while ~19 MB of events are committed: the server's writes
    /// block on the full socket instead of buffering, and once the client reads again the server
    /// finds it more than --tail-max-lag behind and ends the stream with a final message. The
    /// events it had sent are a gap-free prefix, and a resume from the final message's id gets
    /// the rest, once each.
    @Test("a client that falls behind is told so in a final message, holds a gap-free prefix and resumes with the rest")
    func aSlowConsumerIsToldAndResumesWithNothingLost() async throws {
        let configure: (inout AuditServerConfiguration) -> Void = { $0.options.tail.maxLag = .seconds(1) }
        try await withServer(setup: .live, configure) { _, api in
            let port = try #require(api.client.port)
            let stalled = StallFlag()
            let reader = try StreamReader(port: port, path: "/v1/stream?action=doc.*") { _ in
                while stalled.isSet { try? await Task.sleep(for: .milliseconds(20)) }
            }
            try await reader.waitUntilConnected()
            stalled.set(true)
            let filler = String(repeating: "x", count: 8000)
            var posted: [Int64] = []
            for batch in 0..<24 {
                let events = (0..<50).map { index in
                    #"{"action":"doc.view","description":"\#(batch)-\#(index)","metadata":{"a":"\#(filler)","b":"\#(filler)"}}"#
                }
                let reply = try await api.send(.post, "/v1/events/batch", body: "[" + events.joined(separator: ",") + "]")
                #expect(reply.status == .created, "\(reply.text.prefix(300))")
                let first = try #require(reply.json["first_seq"]?.int64Value)
                posted += Array(first..<(first + 50))
            }
            try await Task.sleep(for: .seconds(2))
            stalled.set(false)
            let seen = try await reader.waitUntil("the final message", within: .seconds(60)) { $0.ended || $0.disconnect != nil }
            let disconnect = try #require(seen.disconnect, "the stream ended without a final message after \(seen.seqs.count) events")
            #expect(disconnect["reason"]?.stringValue == "slow_consumer", "\(disconnect)")
            #expect(disconnect["detail"]?.stringValue?.contains("Last-Event-ID") == true)
            #expect(seen.seqs.count < posted.count, "every event was sent: no back-pressure reached the server")
            #expect(seen.seqs == Array(posted.prefix(seen.seqs.count)))
            let last = try #require(disconnect["last_event_id"]?.stringValue)
            #expect(last == seen.seqs.last.map(String.init))
            await reader.stop()

            let resumed = try StreamReader(port: port, path: "/v1/stream?action=doc.*", headers: [("Last-Event-ID", last)])
            let rest = try await resumed.waitUntil("the rest", within: .seconds(60)) { $0.seqs.count >= posted.count - seen.seqs.count }
            #expect(seen.seqs + rest.seqs == posted)
            await resumed.stop()
        }
    }

    /// A client that opens a tail and then reads nothing while ~19 MB of events are committed:
    /// once the socket stays full for --write-timeout the server closes the connection (the
    /// client, reading at last, gets what was sent and then the end), instead of keeping it.
    @Test("a client that stops reading is disconnected after --write-timeout")
    func aClientThatStopsReadingIsDisconnected() async throws {
        let configure: (inout AuditServerConfiguration) -> Void = { $0.options.writeTimeout = .seconds(1) }
        try await withServer(setup: .live, configure) { _, api in
            let port = try #require(api.client.port)
            let request = "GET /v1/stream?action=doc.* HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(adminSecret)\r\n\r\n"
            let outcome = try await RawConnection.exchange(port: port, tls: nil, within: .seconds(90)) { write in
                try await write(Array(request.utf8))
                try await Task.sleep(for: .milliseconds(300))
                let filler = String(repeating: "x", count: 8000)
                for _ in 0..<24 {
                    let events = (0..<50).map { _ in #"{"action":"doc.view","metadata":{"a":"\#(filler)","b":"\#(filler)"}}"# }
                    _ = try await api.send(.post, "/v1/events/batch", body: "[" + events.joined(separator: ",") + "]")
                }
                // Not reading for well past the write timeout.
                try await Task.sleep(for: .seconds(4))
            }
            #expect(outcome.closed, "the server kept a connection whose client read nothing")
            #expect(outcome.text.hasPrefix("HTTP/1.1 200"))
            #expect(outcome.received.count < 19_000_000, "everything was sent: the socket never filled")
        }
    }
}

/// A flag a test flips while a reader's pause polls it.
private final class StallFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set(_ on: Bool) { value.withLock { $0 = on } }
}
