import AuditTrail
import HTTPTypes
import Testing

@testable import AuditTrailServer

/// Issue 12, finding 10: a viewer key's subject is compared byte for byte everywhere — by id as
/// in the list and the stats — never with Swift's `==` (canonical equivalence).
@Suite struct Finding10ViewerScopeTests {
    @Test func finding10_viewerSubjectIsComparedByteForByte() async throws {
        try await withServer { _, api in
            // The subject is "é" as one scalar, U+00E9; the other event's actor is "e" + U+0301.
            let viewer = try await api.createKey(role: "viewer", subject: "\\u00e9")
            let composed = try await api.ingest(#"{"action":"doc.view","actor":{"id":"\u00e9"}}"#)
            let decomposed = try await api.ingest(#"{"action":"doc.view","actor":{"id":"e\u0301"}}"#)
            let composedID = try #require(composed.json["id"]?.stringValue)
            let decomposedID = try #require(decomposed.json["id"]?.stringValue)

            #expect(try await api.send(.get, "/v1/events/\(composedID)", key: viewer.secret).status == .ok)
            let hidden = try await api.send(.get, "/v1/events/\(decomposedID)", key: viewer.secret)
            #expect(hidden.status == .notFound)
            let missing = try await api.send(.get, "/v1/events/00000000-0000-4000-8000-000000000000", key: viewer.secret)
            #expect(hidden.body == missing.body, "hidden and missing must answer alike")

            let list = try await api.send(.get, "/v1/events?action=doc.view", key: viewer.secret)
            #expect(list.json["events"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [composedID])
            let stats = try await api.send(.get, "/v1/stats?action=doc.view", key: viewer.secret)
            #expect(stats.json["total"] == .int(1))
        }
    }
}
