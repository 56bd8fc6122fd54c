import AuditTrail
import AuditTrailHummingbird
import AuditTrailSQLite
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing

@testable import AuditTrailServer

/// `GET/PUT /v1/retention`, the configuration that seeds the window, and a removal seen through
/// the API: verify still passes and proofs for the remaining events still verify.
@Suite struct RetentionRouteTests {
    @Test func getShowsTheDefaultWindowAndNothingRemoved() async throws {
        try await withServer { _, api in
            let reply = try await api.send(.get, "/v1/retention")
            #expect(reply.status == .ok)
            #expect(reply.json["days"] == .int(90))
            #expect(reply.json["removed_through_seq"] == .int(0))
            #expect(reply.json["first_seq"] == .int(1))
            #expect(reply.json["last_removed_at"] == .null)
        }
    }

    @Test func theConfiguredWindowIsTheInitialOne() async throws {
        let configure: (inout AuditServerConfiguration) -> Void = { $0.retention.initialWindow = .off }
        try await withServer(configure) { _, api in
            let reply = try await api.send(.get, "/v1/retention")
            #expect(reply.json["days"] == .null)
        }
    }

    @Test(arguments: TestStore.available) func putChangesTheWindowAndIsRecorded(_ store: TestStore) async throws {
        try await withServer(on: store) { server, api in
            let reply = try await api.send(.put, "/v1/retention", body: #"{"days":30}"#)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.json["days"] == .int(30))
            #expect(try await api.send(.get, "/v1/retention").json["days"] == .int(30))
            #expect(try await server.store.retentionWindow()?.days == 30)
            for off in [#"{"days":0}"#, #"{"days":null}"#] {
                let reply = try await api.send(.put, "/v1/retention", body: off)
                #expect(reply.status == .ok)
                #expect(reply.json["days"] == .null)
            }
            let events = try await api.send(.get, "/v1/events?action=audit.retention.changed&order=asc")
            let recorded = try #require(events.json["events"]?.arrayValue)
            #expect(recorded.count == 3)
            #expect(recorded.first?["metadata"]?["days"] == .int(30))
            #expect(recorded.first?["metadata"]?["previous_days"] == .int(90))
            #expect(recorded.first?["actor"]?["id"]?.stringValue == AuditServerConfiguration.environmentAdminKeyID)
            #expect(recorded.last?["metadata"]?["days"] == .null)
        }
    }

    static let badBodies: [(String, String)] = [
        (#"{"days":36501}"#, "days"), (#"{"days":-1}"#, "days"), (#"{"days":1.5}"#, "days"), (#"{"days":"30"}"#, "days"),
        (#"{}"#, "days"), (#"{"days":30,"window":1}"#, "window"), (#"[30]"#, "body"),
    ]

    @Test(arguments: badBodies)
    func badBodiesAreProblemsNamingTheField(body: String, field: String) async throws {
        try await withServer { _, api in
            let reply = try await api.send(.put, "/v1/retention", body: body)
            #expect(reply.status == .badRequest, "\(body): \(reply.text)")
            #expect(reply.headers[.contentType] == AuditProblem.contentType)
            #expect(reply.errorFields == [field], "\(body): \(reply.text)")
            if field == "days" {
                #expect(reply.text.contains("36500"), "\(reply.text)")
            }
            #expect(try await api.send(.get, "/v1/retention").json["days"] == .int(90))
        }
    }

    @Test func thePutWindowSurvivesARestartAndWinsOverTheConfiguredOne() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = AuditServerConfiguration()
            configuration.dataDirectory = directory
            configuration.adminKey = adminSecret
            let logger = Logger(label: "audittrail-test") { _ in SwiftLogNoOpLogHandler() }
            let first = try await AuditServer.make(configuration: configuration, logger: logger)
            try await first.application.test(.router) { client in
                let reply = try await TestAPI(client: client).send(.put, "/v1/retention", body: #"{"days":7}"#)
                #expect(reply.status == .ok)
            }
            configuration.retention.initialWindow = try AuditRetentionWindow(days: 365)
            let second = try await AuditServer.make(configuration: configuration, logger: logger)
            try await second.application.test(.router) { client in
                let reply = try await TestAPI(client: client).send(.get, "/v1/retention")
                #expect(reply.json["days"] == .int(7))
            }
        }
    }

    @Test(arguments: TestStore.available) func afterARemovalVerifyPassesAndProofsStillVerify(_ store: TestStore) async throws {
        try await withServer(on: store) { server, api in
            _ = try await ingestAndRemoveTheFirstTen(server, api)
            try await server.checkpointer.checkpoint()

            let retention = try await api.send(.get, "/v1/retention")
            #expect(retention.json["removed_through_seq"] == .int(10))
            #expect(retention.json["first_seq"] == .int(11))
            let verify = try await api.send(.post, "/v1/verify")
            #expect(verify.json["ok"] == .bool(true), "\(verify.text)")
            #expect(verify.json["first_seq"] == .int(11))

            let checkpoint = try await api.send(.get, "/v1/checkpoints/latest")
            let size = try #require(checkpoint.json["tree_size"]?.int64Value)
            let root = try #require(checkpoint.json["root_hash"]?.stringValue.flatMap { AuditHash(base64: $0) })
            let events = try #require(try await api.send(.get, "/v1/events?order=asc&limit=100").json["events"]?.arrayValue)
            #expect(events.compactMap { $0["seq"]?.int64Value }.min() == 11)
            let last = try #require(try await server.store.rows(after: 10, limit: 1).first)
            #expect(last.seq == 11)
            let proof = try await api.send(.get, "/v1/proofs/inclusion?seq=\(last.seq)&tree_size=\(size)")
            #expect(proof.status == .ok, "\(proof.text)")
            let path = try #require(proof.json["audit_path"]?.arrayValue).compactMap { $0.stringValue.flatMap { AuditHash(base64: $0) } }
            try AuditMerkle.verifyInclusion(
                leafHash: AuditMerkle.leafHash(last.canonical),
                index: last.seq - 1,
                size: size,
                proof: path,
                root: root
            )
        }
    }
}
