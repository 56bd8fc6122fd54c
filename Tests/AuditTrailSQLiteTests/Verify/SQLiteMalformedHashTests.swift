import AuditTrail
import AuditTrailSQLite
import AuditTrailTesting
import SQLiteNIO
import Testing

/// A stored hash that is not 32 bytes — which no append writes, but an edit of the file can — is
/// read as an error naming what is wrong, or named by the verifier as a problem; never a crash.
@Suite struct SQLiteMalformedHashTests {
    let signer = try! AuditSigner.generate(name: "audittrail/test")

    func fill(_ store: SQLiteAuditStore) async throws {
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 20, seed: 5)))
    }

    func raw(_ directory: TemporaryDirectory, _ statements: [String]) async throws {
        let connection = try await directory.rawConnection()
        for statement in statements { _ = try await connection.query(statement) }
        try await connection.close()
    }

    @Test func aShortChainHashIsTamperedForReadersAndEditedForVerifyLog() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            try await raw(directory, ["DROP TRIGGER events_refuse_update", "UPDATE events SET hash = x'0102' WHERE seq = 7"])
            let read = await #expect(throws: AuditTrailError.self) { try await store.rows(after: 0, limit: 100) }
            #expect(read?.code == .tampered)
            #expect(read?.seq == 7)
            let chain = await #expect(throws: AuditTrailError.self) { try await store.verifyChain(pageSize: 4) }
            #expect(chain?.code == .tampered)
            let problem = try #require(try await store.verifyLog(publicKey: nil, pageSize: 4).problem)
            #expect(problem.seq == 7)
            #expect(problem.kind == .edited)
        }
    }

    @Test func aLongHeadHashStopsAppendsAndHeadReads() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            try await raw(
                directory,
                ["DROP TRIGGER events_refuse_update", "UPDATE events SET hash = zeroblob(33) WHERE seq = 20"]
            )
            let head = await #expect(throws: AuditTrailError.self) { try await store.head() }
            #expect(head?.code == .tampered)
            #expect(head?.seq == 20)
            let append = await #expect(throws: AuditTrailError.self) {
                try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 1, seed: 6)))
            }
            #expect(append?.code == .storeFailure)
            #expect(try await store.merkleSize() == 20, "nothing of the refused append is stored")
        }
    }

    @Test func aShortSubtreeHashIsTamperedForProofsAndNamedByVerifyLog() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            try await raw(
                directory,
                [
                    "DROP TRIGGER merkle_nodes_refuse_update",
                    "UPDATE merkle_nodes SET hash = x'01' WHERE pos = \(AuditMerkleNodeID(level: 0, index: 4).position)",
                ]
            )
            let leaf = await #expect(throws: AuditTrailError.self) { try await store.hash(level: 0, index: 4) }
            #expect(leaf?.code == .tampered)
            let proof = await #expect(throws: AuditTrailError.self) { try await store.inclusionProof(index: 5, size: 20) }
            #expect(proof?.code == .tampered)
            let problem = try #require(try await store.verifyLog(publicKey: nil, pageSize: 4).problem)
            #expect(problem.seq == 5)
            #expect(problem.kind == .edited)
        }
    }

    @Test func aShortCheckpointRootOrAnchorHashIsTampered() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            let checkpointer = try AuditCheckpointer(store: store, signer: signer, origin: "audittrail/test", logger: .quiet)
            try await checkpointer.checkpoint()
            try await raw(
                directory,
                [
                    "DROP TRIGGER checkpoints_refuse_update", "UPDATE checkpoints SET root_hash = x'01'",
                    "DROP TRIGGER retention_anchors_check_insert",
                    "INSERT INTO retention_anchors (seq, hash, received_at, subtree_hashes, removed_at) VALUES (4, x'01', 0, x'', 0)",
                ]
            )
            let checkpoint = await #expect(throws: AuditTrailError.self) { try await store.latestCheckpoint() }
            #expect(checkpoint?.code == .tampered)
            let anchor = await #expect(throws: AuditTrailError.self) { try await store.retentionAnchor() }
            #expect(anchor?.code == .tampered)
            #expect(anchor?.seq == 4)
        }
    }
}
