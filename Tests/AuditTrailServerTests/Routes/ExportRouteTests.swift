import AuditTrail
import AuditTrailHummingbird
import AuditTrailSQLite
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing

@testable import AuditTrailServer

/// `GET /v1/export`: who may export, the filters, the checkpoint it is made against, how it is
/// recorded, and that what it streams verifies offline with ``AuditExportVerifier``.
@Suite struct ExportRouteTests {
    func verify(_ reply: Reply, _ server: AuditServer) -> AuditExportVerification {
        AuditExportVerifier.verify(chunks: [reply.body], publicKey: server.api.publicKey)
    }

    /// The event objects of an export body (lines that carry a `seq`).
    func events(_ reply: Reply) -> [JSONValue] {
        reply.text.split(separator: "\n")
            .map { (try? JSONParser.parse(Array($0.utf8))) ?? .null }
            .filter { $0["seq"]?.int64Value != nil }
    }

    @Test(arguments: TestStore.available) func onlyAdminsAndAuditorsMayExport(_ store: TestStore) async throws {
        try await withServer(on: store) { server, api in
            try await api.ingest(#"{"action":"doc.view"}"#)
            for role in ["viewer", "writer"] {
                let key = try await api.createKey(role: role, subject: role == "viewer" ? "u-1" : nil, name: role).secret
                let reply = try await api.send(.get, "/v1/export", key: key)
                #expect(reply.status == .forbidden, "\(role): \(reply.text)")
                #expect(reply.headers[.contentType] == AuditProblem.contentType)
            }
            let auditor = try await api.createKey(role: "auditor").secret
            let reply = try await api.send(.get, "/v1/export", key: auditor)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(verify(reply, server).ok)
        }
    }

    @Test(arguments: TestStore.available) func aContiguousExportSignsAFreshCheckpointAndVerifies(_ store: TestStore) async throws {
        try await withServer(on: store) { server, api in
            for index in 0..<12 { try await api.ingest(#"{"action":"doc.view","metadata":{"i":\#(index)}}"#) }
            try await server.checkpointer.checkpoint()
            let signed = try #require(try await server.store.latestCheckpoint()).treeSize
            for index in 0..<3 { try await api.ingest(#"{"action":"doc.edit","metadata":{"i":\#(index)}}"#) }
            let head = try await server.store.head().seq
            #expect(head > signed)

            let reply = try await api.send(.get, "/v1/export")
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.headers[.contentType] == AuditExportFormat.mediaType)
            let result = verify(reply, server)
            #expect(result.ok, "\(String(describing: result.problem))")
            let header = try #require(result.header)
            #expect(header.contiguous)
            #expect(header.treeSize >= head)
            #expect(try await server.store.latestCheckpoint()?.treeSize == header.treeSize)
            #expect(result.events == header.treeSize)
            #expect(events(reply).compactMap { $0["seq"]?.int64Value } == Array(1...header.treeSize))
            // Every stored checkpoint below the export's size is a line after the event at its size.
            let stored = try await server.store.checkpoints(after: 0, limit: 100).map(\.treeSize).filter { $0 < header.treeSize }
            #expect(stored.contains(signed))
            #expect(result.checkpointsChecked == stored.count)
            let lines = reply.text.split(separator: "\n").map { (try? JSONParser.parse(Array($0.utf8))) ?? .null }
            for size in stored {
                let index = try #require(lines.firstIndex { $0["seq"]?.int64Value == size })
                #expect(lines[index + 1]["checkpoint"]?["tree_size"]?.int64Value == size)
            }
        }
    }

    @Test func checkpointsSignedByAnotherKeyAreLeftOut() async throws {
        try await withServer { server, api in
            for index in 0..<6 { try await api.ingest(#"{"action":"doc.view","metadata":{"i":\#(index)}}"#) }
            // A checkpoint signed before a key change: verifying with the current key would fail on it.
            let old = try AuditSigner.generate(name: "audittrail/old-key")
            let root = try await server.store.root(size: 3)
            let note = try AuditCheckpoint(origin: "audittrail/old-key", size: 3, rootHash: root, time: .now()).signedNote(signer: old)
            #expect(try await server.store.storeCheckpoint(AuditStoredCheckpoint(treeSize: 3, rootHash: root, time: .now(), note: note)))
            try await server.checkpointer.checkpoint()
            try await api.ingest(#"{"action":"doc.view"}"#)

            let reply = try await api.send(.get, "/v1/export")
            let result = verify(reply, server)
            #expect(result.ok, "\(String(describing: result.problem))")
            #expect(result.checkpointsChecked == 1, "the server's checkpoint at 6, not the old key's at 3")
            #expect(!reply.text.contains("old-key"))
        }
    }

    @Test func aFilteredExportHoldsTheMatchingEventsWithInclusionProofs() async throws {
        try await withServer { server, api in
            for index in 0..<9 {
                try await api.ingest(#"{"action":"\#(index % 3 == 0 ? "user.login" : "doc.view")","actor":{"id":"u-\#(index)"}}"#)
            }
            let reply = try await api.send(.get, "/v1/export?action=user.*&format=jsonl")
            #expect(reply.status == .ok, "\(reply.text)")
            let result = verify(reply, server)
            #expect(result.ok, "\(String(describing: result.problem))")
            #expect(result.header?.contiguous == false)
            #expect(result.header?.filters == ["action": "user.*"])
            let exported = events(reply)
            #expect(exported.count == 3)
            #expect(exported.allSatisfy { $0["action"]?.stringValue == "user.login" })
            #expect(reply.text.components(separatedBy: "\n").filter { $0.hasPrefix(#"{"inclusion_proof""#) }.count == 3)
        }
    }

    @Test(arguments: [
        ("limit=5", "limit"), ("cursor=c1", "cursor"), ("order=asc", "order"), ("format=xml", "format"), ("format=csv&format=json", "format"),
        ("outcome=maybe", "outcome"), ("bogus=1", "bogus"), ("since=yesterday", "since"),
    ])
    func badParametersAreProblemsNamingTheParameter(query: String, field: String) async throws {
        try await withServer { _, api in
            try await api.ingest(#"{"action":"doc.view"}"#)
            let reply = try await api.send(.get, "/v1/export?" + query)
            #expect(reply.status == .badRequest, "\(query): \(reply.text)")
            #expect(reply.headers[.contentType] == AuditProblem.contentType)
            #expect(reply.errorFields == [field], "\(query): \(reply.text)")
            if field == "format", !query.contains("&") { #expect(reply.text.contains("jsonl, json, csv, cef, ocsf, syslog")) }
        }
    }

    @Test func anEmptyLogHasNothingToExport() async throws {
        try await withServer { _, api in
            let reply = try await api.send(.get, "/v1/export")
            #expect(reply.status == .conflict, "\(reply.text)")
            #expect(reply.headers[.contentType] == AuditProblem.contentType)
        }
    }

    @Test func anExportIsRecordedAsAuditExport() async throws {
        try await withServer { server, api in
            for index in 0..<4 { try await api.ingest(#"{"action":"user.login","actor":{"id":"u-\#(index)"}}"#) }
            let auditor = try await api.createKey(role: "auditor", name: "the-auditor")
            let reply = try await api.send(.get, "/v1/export?actor=u-2", key: auditor.secret)
            #expect(reply.status == .ok)
            #expect(verify(reply, server).events == 1)
            // The writer commits in order: once this append is acknowledged, the export is stored.
            #expect(try await api.ingest(#"{"action":"doc.view"}"#).status == .created)
            let recorded = try await api.send(.get, "/v1/events?action=audit.export&actor=\(auditor.id)")
            // Recorded twice, newest first: when it completed (with the count), and when it started.
            let events = recorded.json["events"]?.arrayValue ?? []
            #expect(events.count == 2, "\(recorded.text)")
            #expect(events.map { $0["metadata"]?["stage"]?.stringValue } == ["completed", "started"])
            #expect(events.last?["metadata"]?["count"] == nil)
            let metadata = try #require(events.first?["metadata"])
            #expect(metadata["filters"]?["actor"]?.stringValue == "u-2")
            #expect(metadata["count"]?.int64Value == 1)
            #expect(metadata["contiguous"] == .bool(false))
            #expect(events.first?["actor"]?["name"]?.stringValue == "the-auditor")
        }
    }

    @Test func afterRetentionAContiguousExportStartsAtTheAnchorAndVerifies() async throws {
        try await withServer { server, api in
            let anchor = try await ingestAndRemoveTheFirstTen(server, api)

            let reply = try await api.send(.get, "/v1/export")
            #expect(reply.status == .ok, "\(reply.text)")
            let result = verify(reply, server)
            #expect(result.ok, "\(String(describing: result.problem))")
            #expect(result.header?.chainStart?.seq == 10)
            #expect(result.header?.chainStart?.hash == anchor.hash)
            #expect(events(reply).first?["seq"]?.int64Value == 11)
            #expect(result.lastSeq == result.header?.treeSize)
        }
    }
}
