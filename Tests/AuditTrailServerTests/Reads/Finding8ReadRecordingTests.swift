import AuditTrail
import HTTPTypes
import Testing

@testable import AuditTrailSQLite
@testable import AuditTrailServer

/// Issue 12, finding 8: a read of the log is recorded as durably as it is complete — the read
/// routes and the export wait for the commit of their `audit.query` / `audit.export` record
/// before they send anything, and answer a 503 problem with no data when it cannot be stored.
@Suite struct Finding8ReadRecordingTests {
    /// The routes that read events, each with what its answer would carry.
    static let reads = [
        "/v1/events?order=asc", "/v1/stats", "/v1/event-types", "/v1/export",
    ]

    @Test func finding8_readsAreRefusedWhenTheirRecordCannotBeStored() async throws {
        try await withServer { server, api in
            let stored = try await api.ingest(#"{"action":"doc.view","actor":{"id":"u-secret"},"description":"payload-marker"}"#)
            let id = try #require(stored.json["id"]?.stringValue)
            // The store refuses every append from now on (a trigger on the append connection
            // only): the writer's commits fail, and so does every record of a read.
            let sqlite = try #require(server.store as? SQLiteAuditStore)
            try await sqlite.onAppendConnection("test") {
                try $0.execute("CREATE TEMP TRIGGER refuse_appends BEFORE INSERT ON main.events BEGIN SELECT RAISE(ABORT, 'down for the test'); END")
            }
            for uri in Self.reads + ["/v1/events/\(id)"] {
                let reply = try await api.send(.get, uri)
                #expect(reply.status == .serviceUnavailable, "\(uri)")
                #expect(reply.headers[.contentType] == "application/problem+json", "\(uri)")
                #expect(reply.json["type"]?.stringValue == "urn:audittrail:problem:read-not-recorded", "\(uri)")
                #expect(reply.json["detail"]?.stringValue?.contains("the store failed to commit it") == true, "\(uri)")
                #expect(!reply.text.contains("payload-marker") && !reply.text.contains("u-secret"), "\(uri) sent event data")
            }
            let verify = try await api.send(.post, "/v1/verify")
            #expect(verify.status == .serviceUnavailable)
            #expect(verify.json["ok"] == nil)
        }
    }

    @Test func finding8_aReadsRecordIsStoredWhenTheAnswerArrives() async throws {
        try await withServer { server, api in
            try await api.ingest(#"{"action":"doc.view","actor":{"id":"u-1"}}"#)
            #expect(try await api.send(.get, "/v1/events?actor=u-1").status == .ok)
            // No wait: the record committed before the answer was sent.
            let queries = try await server.store.events(matching: AuditQuery(parameters: [("action", "audit.query")]))
            #expect(queries.events.count == 1)
            let recorded = try #require(queries.events.first).decoded()
            #expect(recorded.resource?.id == "GET /v1/events")

            let export = try await api.send(.get, "/v1/export")
            #expect(export.status == .ok)
            let exports = try await server.store.events(matching: AuditQuery(parameters: [("action", "audit.export"), ("order", "asc")]))
            let stages = try exports.events.map { try $0.decoded().metadata?["stage"]?.stringValue }
            #expect(stages == ["started", "completed"])
        }
    }
}
