import AuditTrail
import AuditTrailSQLite
import AuditTrailTesting
import SQLiteNIO
import Testing

/// `verifyLog` on a real store: the chain, the stored tree, every checkpoint and a kept one.
@Suite struct SQLiteLogVerifyTests {
    let signer = try! AuditSigner.generate(name: "audittrail/test")

    /// 20 events with checkpoints at 5, 12 and 20.
    func fill(_ store: SQLiteAuditStore) async throws {
        let checkpointer = try AuditCheckpointer(store: store, signer: signer, origin: "audittrail/test", logger: .quiet)
        for (index, count) in [5, 7, 8].enumerated() {
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: count, seed: UInt64(index + 1))))
            try await checkpointer.checkpoint()
        }
    }

    func raw(_ directory: TemporaryDirectory, _ statements: [String]) async throws {
        let connection = try await directory.rawConnection()
        for statement in statements { _ = try await connection.query(statement) }
        try await connection.close()
    }

    @Test func anIntactLogVerifiesWithEveryCheckpoint() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store)
            let result = try await store.verifyLog(publicKey: signer.publicKey, pageSize: 3)
            #expect(result.ok, "\(String(describing: result.problem))")
            #expect(result.checked == 20)
            #expect(result.checkpointsChecked == 3)
            #expect(result.latestCheckpoint?.treeSize == 20)
            #expect(result.latestFrontier == (try await store.hashes(AuditMerkleTreeBuilder.frontierNodes(size: 20))))
        }
    }

    @Test func truncationIsCaughtAgainstTheKeptCheckpoint() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            try await raw(directory, ["DROP TRIGGER events_refuse_delete", "DELETE FROM events WHERE seq > 15"])
            let problem = try #require(try await store.verifyLog(publicKey: signer.publicKey).problem)
            #expect(problem.seq == 16)
            #expect(problem.kind == .truncated)
        }
    }

    @Test func aReplacedKeyFailsEveryCheckpointFromTheFirst() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store)
            let other = try AuditSigner.generate(name: "audittrail/test")
            let problem = try #require(try await store.verifyLog(publicKey: other.publicKey).problem)
            #expect(problem.seq == 1)
            #expect(problem.kind == .badSignature)
        }
    }

    @Test func anEditedCheckpointNamesTheFirstSeqItNoLongerVouchesFor() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            // The checkpoint row at 12 claims another root than its note: seqs 6… are no longer vouched for.
            try await raw(
                directory,
                ["DROP TRIGGER checkpoints_refuse_update", "UPDATE checkpoints SET root_hash = zeroblob(32) WHERE tree_size = 12"]
            )
            let problem = try #require(try await store.verifyLog(publicKey: signer.publicKey).problem)
            #expect(problem.seq == 6)
            #expect(problem.kind == .edited)
        }
    }

    @Test func anEditedStoredLeafIsNamed() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            try await raw(
                directory,
                [
                    "DROP TRIGGER merkle_nodes_refuse_update",
                    "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE pos = \(AuditMerkleNodeID(level: 0, index: 9).position)",
                ]
            )
            let problem = try #require(try await store.verifyLog(publicKey: signer.publicKey, pageSize: 4).problem)
            #expect(problem.seq == 10)
            #expect(problem.kind == .edited)
        }
    }

    @Test func aRolledBackAndRewrittenLogIsCaughtAgainstAPinnedCheckpoint() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            let kept = try #require(try await store.verifyLog(publicKey: signer.publicKey).latestCheckpoint)
            let frontier = try await store.hashes(AuditMerkleTreeBuilder.frontierNodes(size: 20))
            let pinned = AuditPinnedCheckpoint(treeSize: 20, rootHash: kept.rootHash, frontier: frontier)
            // Roll back to 17 (rows, nodes and checkpoints), then append three other events.
            try await raw(
                directory,
                [
                    "DROP TRIGGER events_refuse_delete", "DELETE FROM events WHERE seq > 17",
                    "DROP TRIGGER merkle_nodes_refuse_delete", "DELETE FROM merkle_nodes WHERE pos >= \(AuditMerkleNodeID.firstPosition(ofLeaf: 17))",
                    "DROP TRIGGER checkpoints_refuse_delete", "DELETE FROM checkpoints WHERE tree_size > 17",
                ]
            )
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 3, seed: 99)))
            #expect(try await store.verifyLog(publicKey: signer.publicKey).ok, "without the kept checkpoint it looks whole")
            let problem = try #require(try await store.verifyLog(publicKey: signer.publicKey, pinned: pinned).problem)
            #expect(problem.kind == .truncated)
            #expect(problem.seq == 17, "the first frontier subtree of size 20 that differs covers leaves 16…19")
        }
    }

    /// `verifyLog` hashes a page in two halves on two cores: an edit in
    /// either half, on a page boundary or not, names its seq (in `verifyChain` too), and with two
    /// edits the first one is named.
    @Test(arguments: [3, 7, 10, 10_000])
    func anEditedRowIsNamedWhereverItFallsInAPage(pageSize: Int) async throws {
        for edited: [Int64] in [[1], [5], [10], [11], [16], [20], [4, 16], [13, 14]] {
            try await withTemporaryStore { store, directory in
                try await fill(store)
                try await raw(
                    directory,
                    ["DROP TRIGGER events_refuse_update"]
                        + edited.map {
                            "UPDATE events SET canonical = CAST(replace(CAST(canonical AS TEXT), '\"action\":\"', '\"action\":\"x') AS BLOB) WHERE seq = \($0)"
                        }
                )
                let result = try await store.verifyLog(publicKey: signer.publicKey, pageSize: pageSize)
                let problem = try #require(result.problem, "edited \(edited), page size \(pageSize)")
                #expect(problem.seq == edited[0], "edited \(edited), page size \(pageSize)")
                #expect(problem.kind == .edited)
                #expect(result.checked == edited[0] - 1, "rows before the first edit are counted")
                let chain = try await store.verifyChain(pageSize: pageSize)
                #expect(chain.problem?.seq == edited[0], "verifyChain: edited \(edited), page size \(pageSize)")
                #expect(chain.problem?.kind == .edited)
                #expect(chain.checked == edited[0] - 1)
            }
        }
    }

    /// Rows deleted anywhere — a page's first row, its middle (where its second half starts),
    /// its last row — are named as missing by both verifiers.
    @Test(arguments: [3, 4, 10, 10_000])
    func aMissingRowIsNamedWhereverItFallsInAPage(pageSize: Int) async throws {
        for deleted: [Int64] in [[15, 16], [10], [1], [11], [5, 6, 7], [19]] {
            try await withTemporaryStore { store, directory in
                try await fill(store)
                try await raw(
                    directory,
                    [
                        "DROP TRIGGER events_refuse_delete",
                        "DELETE FROM events WHERE seq IN (\(deleted.map(String.init).joined(separator: ", ")))",
                    ]
                )
                let problem = try #require(
                    try await store.verifyLog(publicKey: signer.publicKey, pageSize: pageSize).problem,
                    "deleted \(deleted), page size \(pageSize)"
                )
                #expect(problem.seq == deleted[0] && problem.kind == .missing, "deleted \(deleted), page size \(pageSize): \(problem)")
                let chain = try await store.verifyChain(pageSize: pageSize)
                #expect(chain.problem?.seq == deleted[0] && chain.problem?.kind == .missing, "verifyChain: deleted \(deleted)")
            }
        }
    }
}
