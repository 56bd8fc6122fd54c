import AuditTrail
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@testable import AuditTrailServer

/// A failing destination: retried with back-off, one `security.alert` once it has failed longer
/// than the threshold, `audit.stream.recovered` when it delivers again — and ingest never waits
/// for it.
@Suite struct StreamFailureTests {
    static func configure(_ configuration: inout AuditServerConfiguration) {
        StreamDeliveryTests.configure(&configuration)
        configuration.options.streams.alertAfter = .seconds(1)
        configuration.options.streams.maxBackoff = .milliseconds(300)
    }

    static func events(_ api: TestAPI, _ action: String) async throws -> [JSONValue] {
        try await api.send(.get, "/v1/events?action=\(action)&order=asc").json["events"]?.arrayValue ?? []
    }

    @Test("a failing webhook is retried, alerts once, and recovers", arguments: TestStore.available)
    func failingWebhookAlertsOnceAndRecovers(store: TestStore) async throws {
        let receiver = WebhookReceiver()
        receiver.mode.withLock { $0 = .fail(503) }
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        try await withServer(setup: .live, on: store, Self.configure) { server, api in
            let (id, _) = try await StreamDeliveryTests.createStream(
                api,
                #"{"name":"flaky","destination":{"type":"webhook","url":"\#(receiver.url)"},"linger_ms":0}"#
            )
            _ = try await api.ingest(#"{"action":"user.login"}"#)
            try await StreamDeliveryTests.waitUntil("the alert") { try await !Self.events(api, "security.alert").isEmpty }
            let status = try await StreamDeliveryTests.status(api, id)
            #expect(status["state"] == "failing" && status["alerted"] == .bool(true), "\(status)")
            let metrics = try await api.send(.get, "/metrics").text
            #expect(metrics.contains(#"audittrail_stream_failing{stream="\#(id)"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"audittrail_stream_lag_events{stream="\#(id)"}"#))
            #expect(status["last_error"]?.stringValue?.contains("503") == true, "\(status)")
            // The alert comes at the first failure at least --stream-alert-after past the first one.
            #expect((status["failures"]?.int64Value ?? 0) >= 2, "retried: \(status)")
            // Failing on: still one alert.
            try await Task.sleep(for: .seconds(2))
            let alerts = try await Self.events(api, "security.alert")
            #expect(alerts.count == 1)
            #expect(alerts.first?["resource"]?["id"]?.stringValue == id)
            #expect(alerts.first?["actor"]?["id"] == "audittrail.streams")
            #expect(alerts.first?["metadata"]?["alert"] == "stream_failing")

            receiver.mode.withLock { $0 = .accept }
            try await StreamDeliveryTests.waitUntil("the recovery") { try await !Self.events(api, "audit.stream.recovered").isEmpty }
            let head = try await server.store.head().seq
            try await StreamDeliveryTests.waitUntil("the alert and recovery delivered too") {
                Set(StreamDeliveryTests.seqs(receiver.batches)).count >= Int(head)
            }
            let recovered = try await StreamDeliveryTests.status(api, id)
            #expect(recovered["failures"] == .int(0) && recovered["alerted"] == .bool(false), "\(recovered)")
            #expect(try await Self.events(api, "security.alert").count == 1)
        }
    }

    @Test("ingest does not wait for a webhook that hangs")
    func aHangingWebhookNeverSlowsIngest() async throws {
        let receiver = WebhookReceiver()
        receiver.mode.withLock { $0 = .hang }
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        try await withServer(setup: .live, StreamDeliveryTests.configure) { server, api in
            _ = try await StreamDeliveryTests.createStream(
                api,
                #"{"name":"stuck","destination":{"type":"webhook","url":"\#(receiver.url)","timeout_seconds":120},"linger_ms":0}"#
            )
            try await StreamDeliveryTests.waitUntil("the first delivery attempt") { receiver.attempts.load(ordering: .relaxed) >= 1 }
            // The webhook holds its request for 120 s; 1,000 events are stored meanwhile.
            _ = try await StreamDeliveryTests.ingest(api, batches: 50, every: .zero)
            #expect(try await server.store.head().seq >= 1001)
            #expect(receiver.batches.isEmpty && receiver.attempts.load(ordering: .relaxed) == 1)
        }
    }
}
