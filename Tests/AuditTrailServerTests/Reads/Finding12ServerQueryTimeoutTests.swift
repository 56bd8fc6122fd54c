import AuditTrail
import HTTPTypes
import Testing

@testable import AuditTrailServer

/// Issue 12, finding 12: the server's `--query-timeout` reaches its read routes.
@Suite struct Finding12ServerQueryTimeoutTests {
    @Test func finding12_theServersQueryTimeoutBoundsItsReads() async throws {
        let spent: (inout AuditServerConfiguration) -> Void = { $0.options.queryTimeout = .nanoseconds(1) }
        try await withServer(spent) { _, api in
            try await api.ingest(#"{"action":"doc.view"}"#)
            let reply = try await api.send(.get, "/v1/events")
            #expect(reply.status == .unprocessableContent)
            #expect(reply.headers[.retryAfter] == "1")
            #expect(reply.json["type"]?.stringValue == "urn:audittrail:problem:query-timeout")
            #expect(reply.json["detail"]?.stringValue?.contains("query timeout") == true)
            // Ingest and verification have no read budget.
            #expect(try await api.ingest(#"{"action":"doc.view"}"#).status == .created)
            #expect(try await api.send(.post, "/v1/verify").json["ok"] == .bool(true))
        }
        #expect(AuditServerConfiguration().options.queryTimeout == .seconds(10))
        #expect(AuditServerSetting.queryTimeout.defaultText == "10")
    }
}
