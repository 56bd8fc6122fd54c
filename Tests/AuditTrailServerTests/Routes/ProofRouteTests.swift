import AuditTrail
import AuditTrailHummingbird
import AuditTrailSQLite
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing

@testable import AuditTrailServer

/// Checkpoints, proofs and verification over HTTP: what a client verifies against the signed root.
@Suite struct ProofRouteTests {
    /// Stores `count` events with one batch and signs a checkpoint of them.
    func populate(_ server: AuditServer, _ api: TestAPI, count: Int) async throws {
        let batch = "[" + (0..<count).map { #"{"action":"data.update","metadata":{"i":\#($0)}}"# }.joined(separator: ",") + "]"
        #expect(try await api.send(.post, "/v1/events/batch", body: batch).status == .created)
        try await server.checkpointer.checkpoint()
    }

    func bytes(_ value: JSONValue?) throws -> [UInt8] {
        try #require(value?.stringValue.flatMap(AuditBase64.decode))
    }

    /// A hash as the routes write it: standard base64 of 32 bytes.
    func hash(_ value: JSONValue?) throws -> AuditHash {
        try #require(value?.stringValue.flatMap { AuditHash(base64: $0) })
    }

    @Test(arguments: TestStore.available) func latestCheckpointIsTheSignedTreeHead(_ store: TestStore) async throws {
        try await withServer(on: store) { server, api in
            let none = try await api.send(.get, "/v1/checkpoints/latest")
            #expect(none.status == .notFound)
            #expect(none.headers[.contentType] == AuditProblem.contentType)
            try await populate(server, api, count: 13)
            let reply = try await api.send(.get, "/v1/checkpoints/latest")
            #expect(reply.status == .ok, "\(reply.text)")
            let size = try #require(reply.json["tree_size"]?.int64Value)
            #expect(size >= 13)  // the server's own audit.* events may be in the log too
            let note = try #require(reply.json["note"]?.stringValue)
            let key = server.api.publicKey
            let checkpoint = try AuditCheckpoint(note: note, verifier: key)
            #expect(checkpoint.size == size)
            #expect(try hash(reply.json["root_hash"]) == checkpoint.rootHash)
            #expect(try await server.store.root(size: size) == checkpoint.rootHash)
            #expect(reply.json["key_id"]?.stringValue == key.text.split(separator: "+")[1].description)
            #expect(reply.json["key_name"]?.stringValue == key.name)
            #expect(reply.json["public_key"]?.stringValue == key.text)
            #expect(reply.json["origin"]?.stringValue == checkpoint.origin)
            #expect(checkpoint.origin == "audittrail/" + (try await server.store.logID()))
            #expect(reply.json["time"]?.stringValue == checkpoint.time?.rfc3339)
            let signature = try bytes(reply.json["signature"])
            #expect(key.isValidSignature(signature, for: Array(checkpoint.body.utf8)))
        }
    }

    @Test(arguments: TestStore.available) func inclusionProofsVerifyAgainstTheCheckpointRoot(_ store: TestStore) async throws {
        try await withServer(on: store) { server, api in
            try await populate(server, api, count: 21)
            let checkpoint = try await api.send(.get, "/v1/checkpoints/latest")
            let size = try #require(checkpoint.json["tree_size"]?.int64Value)
            let root = try hash(checkpoint.json["root_hash"])
            let rows = try await server.store.rows(after: 0, limit: Int(size))
            for seq in [1, 2, 8, 13, size] {
                let reply = try await api.send(.get, "/v1/proofs/inclusion?seq=\(seq)&tree_size=\(size)")
                #expect(reply.status == .ok, "\(reply.text)")
                #expect(reply.json["seq"]?.int64Value == seq)
                #expect(reply.json["leaf_index"]?.int64Value == seq - 1)
                #expect(reply.json["tree_size"]?.int64Value == size)
                let leaf = AuditMerkle.leafHash(rows[Int(seq - 1)].canonical)
                #expect(try hash(reply.json["leaf_hash"]) == leaf)
                let path = try #require(reply.json["audit_path"]?.arrayValue).map { try hash($0) }
                try AuditMerkle.verifyInclusion(leafHash: leaf, index: seq - 1, size: size, proof: path, root: root)
                // The proof is for this leaf only.
                #expect(throws: AuditTrailError.self) {
                    try AuditMerkle.verifyInclusion(leafHash: AuditMerkle.leafHash([0]), index: seq - 1, size: size, proof: path, root: root)
                }
            }
        }
    }

    @Test(arguments: TestStore.available) func consistencyProofsLinkAnOlderCheckpointToTheNewer(_ store: TestStore) async throws {
        try await withServer(on: store) { server, api in
            try await populate(server, api, count: 6)
            let old = try await api.send(.get, "/v1/checkpoints/latest")
            let oldSize = try #require(old.json["tree_size"]?.int64Value)
            let oldRoot = try hash(old.json["root_hash"])
            try await populate(server, api, count: 11)
            let new = try await api.send(.get, "/v1/checkpoints/latest")
            let newSize = try #require(new.json["tree_size"]?.int64Value)
            let newRoot = try hash(new.json["root_hash"])
            #expect(newSize > oldSize)
            let reply = try await api.send(.get, "/v1/proofs/consistency?from=\(oldSize)&to=\(newSize)")
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.json["from"]?.int64Value == oldSize)
            #expect(reply.json["to"]?.int64Value == newSize)
            let proof = try #require(reply.json["proof"]?.arrayValue).map { try hash($0) }
            try AuditMerkle.verifyConsistency(from: oldSize, to: newSize, oldRoot: oldRoot, newRoot: newRoot, proof: proof)
            #expect(throws: AuditTrailError.self) {
                try AuditMerkle.verifyConsistency(from: oldSize, to: newSize, oldRoot: newRoot, newRoot: newRoot, proof: proof)
            }
            let same = try await api.send(.get, "/v1/proofs/consistency?from=\(newSize)&to=\(newSize)")
            #expect(same.json["proof"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test(arguments: [
        ("/v1/proofs/inclusion?tree_size=3", ["seq"]),
        ("/v1/proofs/inclusion?seq=1", ["tree_size"]),
        ("/v1/proofs/inclusion", ["seq", "tree_size"]),
        ("/v1/proofs/inclusion?seq=x&tree_size=3", ["seq"]),
        ("/v1/proofs/inclusion?seq=1.5&tree_size=3", ["seq"]),
        ("/v1/proofs/inclusion?seq=0&tree_size=3", ["seq"]),
        ("/v1/proofs/inclusion?seq=-2&tree_size=3", ["seq"]),
        ("/v1/proofs/inclusion?seq=1&tree_size=99999999999999999999", ["tree_size"]),
        ("/v1/proofs/inclusion?seq=1&seq=2&tree_size=3", ["seq"]),
        ("/v1/proofs/inclusion?seq=1&tree_size=3&action=x", ["action"]),
        ("/v1/proofs/consistency?to=3", ["from"]),
        ("/v1/proofs/consistency?from=1", ["to"]),
        ("/v1/proofs/consistency?from=0&to=3", ["from"]),
        ("/v1/proofs/consistency?from=a&to=b", ["from", "to"]),
        ("/v1/checkpoints/latest?limit=1", ["limit"]),
    ])
    func badParametersAre400NamingTheParameter(uri: String, fields: [String]) async throws {
        try await withServer { server, api in
            try await populate(server, api, count: 3)
            let reply = try await api.send(.get, uri)
            #expect(reply.status == .badRequest, "\(uri): \(reply.text)")
            #expect(reply.headers[.contentType] == AuditProblem.contentType)
            #expect(Set(reply.errorFields) == Set(fields), "\(uri): \(reply.text)")
        }
    }

    /// Well-formed requests that name no proof: 404 whose detail names the parameter (the OpenAPI document
    /// cannot relate two parameters, so these are not 400s a generated client could avoid).
    @Test(arguments: [
        ("/v1/proofs/inclusion?seq=4&tree_size=3", "seq"),
        ("/v1/proofs/inclusion?seq=1&tree_size=999", "tree_size"),
        ("/v1/proofs/inclusion?seq=1&tree_size=9223372036854775807", "tree_size"),
        ("/v1/proofs/consistency?from=3&to=2", "from"),
        ("/v1/proofs/consistency?from=1&to=999", "to"),
    ])
    func proofsOutsideTheLogAre404NamingTheParameter(uri: String, field: String) async throws {
        try await withServer { server, api in
            try await populate(server, api, count: 3)
            let reply = try await api.send(.get, uri)
            #expect(reply.status == .notFound, "\(uri): \(reply.text)")
            #expect(reply.json["detail"]?.stringValue?.hasPrefix("\(field): ") == true, "\(uri): \(reply.text)")
        }
    }

    @Test(arguments: TestStore.available) func verifyReportsAnIntactLogAndTakesNoParameters(_ store: TestStore) async throws {
        try await withServer(on: store) { server, api in
            try await populate(server, api, count: 9)
            for body in [nil, "{}"] as [String?] {
                let reply = try await api.send(.post, "/v1/verify", body: body)
                #expect(reply.status == .ok, "\(reply.text)")
                #expect(reply.json["ok"] == .bool(true))
                #expect((reply.json["checked"]?.int64Value ?? 0) >= 9)
                #expect(reply.json["first_bad_seq"] == .null)
                #expect(reply.json["problem"] == .null)
                #expect((reply.json["checkpoints_checked"]?.int64Value ?? 0) >= 1)
            }
            let indexes = try await api.send(.post, "/v1/verify", body: #"{"indexes":true}"#)
            #expect(indexes.status == .ok && indexes.json["ok"] == .bool(true), "\(indexes.text)")
            #expect((indexes.json["indexes_checked_events"]?.int64Value ?? 0) >= 9, "\(indexes.text)")
            let notBool = try await api.send(.post, "/v1/verify", body: #"{"indexes":1}"#)
            #expect(notBool.status == .badRequest && notBool.errorFields == ["indexes"], "\(notBool.text)")
            let unknown = try await api.send(.post, "/v1/verify", body: #"{"deep":true}"#)
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorFields == ["deep"])
            let notObject = try await api.send(.post, "/v1/verify", body: "[]")
            #expect(notObject.errorFields == ["body"])
        }
    }

    @Test func verifyNamesTheFirstSeqThatAReplacedKeyNoLongerVouchesFor() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = AuditServerConfiguration()
            configuration.dataDirectory = directory
            configuration.adminKey = adminSecret
            let logger = Logger(label: "audittrail-test") { _ in SwiftLogNoOpLogHandler() }
            let first = try await AuditServer.make(configuration: configuration, logger: logger)
            try await first.application.test(.router) { client in
                try await populate(first, TestAPI(client: client), count: 4)
            }
            let keyFile = directory + "/other.key"
            try AuditSigner.generate(name: "someone-else").save(to: keyFile)
            configuration.signingKeyFile = keyFile
            let second = try await AuditServer.make(configuration: configuration, logger: logger)
            #expect(second.api.publicKey.name == "someone-else")
            try await second.application.test(.router) { client in
                let reply = try await TestAPI(client: client).send(.post, "/v1/verify")
                #expect(reply.status == .ok)
                #expect(reply.json["ok"] == .bool(false))
                #expect(reply.json["first_bad_seq"]?.int64Value == 1)
                #expect(reply.json["kind"]?.stringValue == "bad_signature")
                #expect(reply.json["problem"]?.stringValue?.contains("replaced key") == true, "\(reply.text)")
            }
        }
    }
}
