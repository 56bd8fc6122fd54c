import AuditTrail
import AuditTrailTesting
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@testable import AuditTrailServer

/// Streams delivering to real receivers on 127.0.0.1 — a webhook (Hummingbird) and syslog over
/// TCP and TLS (NIO) — through outages: every event at least once, in order, and the receiver's
/// copy proven complete and unaltered with the log's public key alone.
@Suite struct StreamDeliveryTests {
    /// How long a receiver stays down in the outage tests.
    static let outage: Duration = .seconds(30)

    static func configure(_ configuration: inout AuditServerConfiguration) {
        configuration.options.streams.poll = .milliseconds(200)
        configuration.options.streams.minBackoff = .milliseconds(100)
        configuration.options.streams.maxBackoff = .seconds(1)
        configuration.options.streams.reload = .milliseconds(200)
        // The test client's one connection idles through the outage.
        configuration.options.idleTimeout = .seconds(600)
    }

    /// Posts `count` events in batches of 20 while `running` holds; returns the last seq.
    static func ingest(_ api: TestAPI, batches: Int, every pause: Duration = .milliseconds(20)) async throws -> Int64 {
        var last: Int64 = 0
        for batch in 0..<batches {
            let events = (0..<20).map { #"{"action":"doc.view","actor":{"id":"u-\#(batch)-\#($0)","ip":"10.0.0.\#($0)"}}"# }
            let reply = try await api.send(.post, "/v1/events/batch", body: "[" + events.joined(separator: ",") + "]")
            #expect(reply.status == .created, "\(reply.text)")
            last = reply.json["last_seq"]?.int64Value ?? reply.json["results"]?.arrayValue?.last?["seq"]?.int64Value ?? last
            try await Task.sleep(for: pause)
        }
        return last
    }

    /// Waits until `condition` holds (checked every 100 ms), at most `limit`.
    static func waitUntil(_ what: String, limit: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("timed out waiting for \(what)")
    }

    /// Creates a stream; returns (id, secret).
    static func createStream(_ api: TestAPI, _ body: String) async throws -> (id: String, secret: String?) {
        let reply = try await api.send(.post, "/v1/streams", body: body)
        guard reply.status == .created, let id = reply.json["id"]?.stringValue else {
            throw TestFailure("stream creation failed: \(reply.status) \(reply.text)")
        }
        return (id, reply.json["secret"]?.stringValue)
    }

    /// The stream's status in `GET /v1/streams`.
    static func status(_ api: TestAPI, _ id: String) async throws -> [String: JSONValue] {
        let reply = try await api.send(.get, "/v1/streams")
        let stream = reply.json["streams"]?.arrayValue?.first { $0["id"]?.stringValue == id }
        return stream?["status"]?.objectValue ?? [:]
    }

    /// The seqs the receiver got, in the order it got them, from the batches' event lines.
    static func seqs(_ batches: [ReceivedBatch]) -> [Int64] {
        batches.flatMap { batch in
            batch.body.split(separator: 0x0A).compactMap { line -> Int64? in
                guard line.starts(with: Array(#"{"action":"#.utf8)) else { return nil }
                return (try? JSONParser.parse(line))?["seq"]?.int64Value
            }
        }
    }

    /// Checks what a receiver holds: every seq 1…`head` at least once, in non-decreasing batch
    /// order, each batch verified alone and all of them chained; then that an edited copy fails.
    static func checkCopy(_ batches: [ReceivedBatch], head: Int64, key: AuditSignerPublicKey) throws {
        let seqs = seqs(batches)
        #expect(Set(seqs) == Set(1...head), "missing: \(Set(1...head).subtracting(seqs).sorted().prefix(10))")
        // In order: a redelivered batch starts again at its range, never before an acknowledged one.
        let starts = batches.compactMap { batch in
            (try? AuditExportHeader(line: batch.body.split(separator: 0x0A)[0]))?.range?.after
        }
        #expect(starts.count == batches.count)
        #expect(starts == starts.sorted(), "batches out of order: \(starts)")
        let verified = batches.verified(with: key)
        #expect(AuditStreamBatchChain.problem(verified) == nil, "\(AuditStreamBatchChain.problem(verified) ?? "")")
        #expect(AuditStreamBatchChain.ranges(verified).last?.through == head)

        // One event edited in one batch: the copy no longer checks.
        var edited = batches
        let index = edited.count / 2
        let text = String(decoding: edited[index].body, as: UTF8.self)
        let changed = text.replacingOccurrences(of: #""actor":{"id":"u-"#, with: #""actor":{"id":"x-"#)
        #expect(changed != text)
        edited[index].body = Array(changed.utf8)
        #expect(AuditStreamBatchChain.problem(edited.verified(with: key)) != nil)
        // Every batch holding the middle seq dropped: the gap is named.
        let middle = head / 2
        let dropped = batches.filter { batch in
            guard let range = (try? AuditExportHeader(line: batch.body.split(separator: 0x0A)[0]))?.range else { return true }
            return !(range.after < middle && middle <= range.through)
        }
        #expect(AuditStreamBatchChain.problem(dropped.verified(with: key))?.contains("in no batch") == true)
    }

    @Test("a webhook down for 30 s under load gets every event, in order, signed, and its copy verifies")
    func webhookOutage() async throws {
        let receiver = WebhookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        try await withServer(setup: .live, Self.configure) { server, api in
            let (id, secret) = try await Self.createStream(
                api,
                #"{"name":"siem","destination":{"type":"webhook","url":"\#(receiver.url)"},"batch_events":100,"linger_ms":50}"#
            )
            let secretText = try #require(secret)
            let load = Task { try await Self.ingest(api, batches: 150) }
            try await Self.waitUntil("the first deliveries") { Self.seqs(receiver.batches).count >= 200 }
            await receiver.stop()
            try await Self.waitUntil("the stream to report failing") { try await Self.status(api, id)["state"]?.stringValue == "failing" }
            try await Task.sleep(for: Self.outage)
            try await receiver.start()
            let last = try await load.value
            let head = try await server.store.head().seq
            #expect(head >= last)
            try await Self.waitUntil("every event delivered") { Set(Self.seqs(receiver.batches)).count >= Int(head) }
            try Self.checkCopy(receiver.batches, head: head, key: server.api.publicKey)
            let now = AuditTime.now().milliseconds / 1000
            for batch in receiver.batches {
                let signature = try #require(batch.headers["audittrail-signature"])
                #expect(AuditStreamSignature.isValid(signature, secret: secretText, body: batch.body, now: now, tolerance: 600))
                #expect(batch.headers["audittrail-stream"] == id)
                #expect(batch.headers["content-type"] == "application/x-ndjson")
            }
            #expect(
                !AuditStreamSignature.isValid(
                    try #require(receiver.batches[0].headers["audittrail-signature"]),
                    secret: "another-secret-0123456789",
                    body: receiver.batches[0].body,
                    now: now
                )
            )
            let status = try await Self.status(api, id)
            #expect(status["state"]?.stringValue == "caught_up" && status["failures"]?.int64Value == 0, "\(status)")
        }
    }

    @Test("syslog over TCP down for 30 s under load gets every event, in order, and its copy verifies")
    func syslogOutage() async throws {
        let receiver = try SyslogReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        try await withServer(setup: .live, Self.configure) { server, api in
            let (id, _) = try await Self.createStream(
                api,
                #"{"name":"rsyslog","destination":{"type":"syslog","host":"127.0.0.1","port":\#(receiver.port),"transport":"tcp"},"batch_events":100,"linger_ms":50}"#
            )
            let load = Task { try await Self.ingest(api, batches: 150) }
            try await Self.waitUntil("the first deliveries") { Self.seqs(receiver.batches).count >= 200 }
            await receiver.stop()
            try await Self.waitUntil("the stream to report failing") { try await Self.status(api, id)["state"]?.stringValue == "failing" }
            try await Task.sleep(for: Self.outage)
            try await receiver.start()
            _ = try await load.value
            let head = try await server.store.head().seq
            try await Self.waitUntil("every event delivered") { Set(Self.seqs(receiver.batches)).count >= Int(head) }
            try Self.checkCopy(receiver.batches, head: head, key: server.api.publicKey)
        }
    }

    @Test("syslog over TLS, and the RFC 5424 format, reach a receiver that trusts nothing else")
    func syslogOverTLS() async throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let receiver = try SyslogReceiver(certificate: certificate)
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let configure: (inout AuditServerConfiguration) -> Void = { configuration in
            Self.configure(&configuration)
            configuration.options.streamCAFile = certificate.certificate
        }
        try await withServer(setup: .live, configure) { server, api in
            _ = try await Self.createStream(
                api,
                #"{"name":"tls","format":"syslog","filters":{"action":"doc.*"},"destination":{"type":"syslog","host":"127.0.0.1","port":\#(receiver.port)}}"#
            )
            _ = try await Self.ingest(api, batches: 3, every: .zero)
            try await Self.waitUntil("60 messages over TLS") { receiver.batches.flatMap { $0.body.split(separator: 0x0A) }.count >= 60 }
            let lines = receiver.batches.flatMap { $0.body.split(separator: 0x0A) }.map { String(decoding: $0, as: UTF8.self) }
            #expect(lines.count == 60)
            #expect(lines.allSatisfy { $0.hasPrefix("<") && $0.contains("[audittrail@") && $0.contains("doc.view") }, "\(lines.first ?? "")")
        }
    }
}
