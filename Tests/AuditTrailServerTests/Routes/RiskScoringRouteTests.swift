import AuditTrail
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AuditTrailServer

@Suite struct RiskScoringRouteTests {
    @Test func eventsWithoutAScoreAreScoredWhenTurnedOn() async throws {
        let configure: (inout AuditServerConfiguration) -> Void = { $0.riskScoring = true }
        try await withServer(configure) { _, api in
            // A Monday at noon UTC: inside business hours whatever the clock says now.
            try await api.ingest(
                #"{"action":"config.updated","outcome":"denied","time":"2026-11-30T12:00:00Z","actor":{"id":"u-1"},"tags":["ops"]}"#
            )
            try await api.ingest(#"{"action":"config.updated","outcome":"denied","risk_score":3}"#)
            let batch = try await api.send(.post, "/v1/events/batch", body: #"[{"action":"doc.view","outcome":"failure"}]"#)
            #expect(batch.status == .created)
            let events = try #require(try await api.send(.get, "/v1/events?order=asc&action=config.updated").json["events"]?.arrayValue)
            #expect(events.count == 2)
            #expect(events[0]["risk_score"] == .int(55))  // denied 30 + admin action 25
            #expect(events[0]["tags"] == .array([.string("ops"), .string("risk:denied"), .string("risk:admin_action")]))
            #expect(events[1]["risk_score"] == .int(3))  // the producer's own score is kept
            let tagged = try #require(try await api.send(.get, "/v1/events?tag=risk:failure").json["events"]?.arrayValue)
            #expect(tagged.count == 1)
        }
    }

    @Test func offByDefault() async throws {
        try await withServer { _, api in
            try await api.ingest(#"{"action":"config.updated","outcome":"denied"}"#)
            let event = try #require(try await api.send(.get, "/v1/events?action=config.updated").json["events"]?.arrayValue?.first)
            #expect(event["risk_score"] == nil)
            #expect(event["tags"] == nil)
        }
    }
}
