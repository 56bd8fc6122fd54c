import AuditTrail
import AuditTrailSQLite
import AuditTrailTesting
import SQLiteNIO
import Testing

/// The Merkle tree the store keeps next to the events: written in the append's transaction,
/// refused edits, back-filled by the migration, answering roots and proofs from stored hashes.
@Suite struct SQLiteStoreMerkleTests {
    /// The leaf hashes of every stored event, recomputed from the stored canonical bytes.
    func leaves(_ store: SQLiteAuditStore) async throws -> [AuditHash] {
        try await store.rows(after: 0, limit: 100_000).map { AuditMerkle.leafHash($0.canonical) }
    }

    @Test func rootsAndProofsFromStoredHashesMatchTheEventsForEverySize() async throws {
        try await withTemporaryStore { store, _ in
            // Appends of 1, 6 and 20 events, then one over rowsPerInsert (the pipelined path).
            for (index, count) in [1, 6, 20].enumerated() {
                _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: count, seed: UInt64(index + 1))))
            }
            let reference = try await leaves(store)
            #expect(reference.count == 27)
            #expect(try await store.merkleSize() == 27)
            for size in 1...Int64(reference.count) {
                let root = AuditMerkle.root(leafHashes: Array(reference[0..<Int(size)]))
                #expect(try await store.root(size: size) == root, "size \(size)")
                for index in [0, size / 2, size - 1] {
                    let proof = try await store.inclusionProof(index: index, size: size)
                    try AuditMerkle.verifyInclusion(leafHash: reference[Int(index)], index: index, size: size, proof: proof, root: root)
                }
                if size > 1 {
                    let older = size / 2
                    let proof = try await store.consistencyProof(from: older, to: size)
                    try AuditMerkle.verifyConsistency(
                        from: older,
                        to: size,
                        oldRoot: AuditMerkle.root(leafHashes: Array(reference[0..<Int(older)])),
                        newRoot: root,
                        proof: proof
                    )
                }
            }
        }
    }

    @Test func pipelinedAppendsWriteTheSameTree() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open { $0.rowsPerInsert = 7 }
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 40, seed: 9)))
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 3, seed: 10)))
        let reference = try await leaves(store)
        #expect(try await store.root(size: 43) == AuditMerkle.root(leafHashes: reference))
        #expect(try await store.root(size: 40) == AuditMerkle.root(leafHashes: Array(reference[0..<40])))
        try await store.close()
    }

    @Test func aReopenedStoreContinuesTheTree() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var store = try await directory.open()
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 11, seed: 4)))
        let logID = try await store.logID()
        try await store.close()
        store = try await directory.open()
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 6, seed: 5)))
        #expect(try await store.root(size: 17) == AuditMerkle.root(leafHashes: try await leaves(store)))
        #expect(try await store.logID() == logID)
        #expect(logID.utf8.count == 32 && AuditHex.bytes(hex: logID) != nil && logID == logID.lowercased())
        try await store.close()
    }

    @Test func aFailedAppendLeavesNoNodesAndTheTreeGoesOnFromTheCommittedHead() async throws {
        try await withTemporaryStore { store, directory in
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 5, seed: 1)))
            let raw = try await directory.rawConnection()
            _ = try await raw.query(
                """
                CREATE TRIGGER refuse_doomed BEFORE INSERT ON events WHEN NEW.action = 'test.doomed'
                BEGIN SELECT RAISE(ABORT, 'doomed'); END
                """
            )
            var doomed = AuditFixtures.events(count: 3, seed: 2)
            doomed[2].action = "test.doomed"
            await #expect(throws: AuditTrailError.self) {
                _ = try await store.append(AuditFixtures.prepare(doomed))
            }
            #expect(try await store.merkleSize() == 5)
            let nodes = try #require(try await raw.query("SELECT count(*) AS n FROM merkle_nodes").first?.column("n")?.integer)
            #expect(nodes == 5 + 2 + 1)  // 5 leaves, 2 pairs, 1 quad
            _ = try await raw.query("DROP TRIGGER refuse_doomed")
            try await raw.close()
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 4, seed: 3)))
            let reference = try await leaves(store)
            #expect(reference.count == 9)
            #expect(try await store.root(size: 9) == AuditMerkle.root(leafHashes: reference))
        }
    }

    @Test func theDatabaseRefusesEditsOfNodesCheckpointsAndTheLogID() async throws {
        try await withTemporaryStore { store, directory in
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 4, seed: 1)))
            let root = try await store.root(size: 4)
            #expect(try await store.storeCheckpoint(.init(treeSize: 4, rootHash: root, time: .now(), note: "n\n")))
            let raw = try await directory.rawConnection()
            for statement in [
                "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE pos = \(AuditMerkleNodeID(level: 0, index: 1).position)",
                "DELETE FROM merkle_nodes WHERE pos = \(AuditMerkleNodeID(level: 2, index: 0).position)",
                "UPDATE checkpoints SET tree_size = 3",
                "DELETE FROM checkpoints",
                "UPDATE log_info SET value = 'x'",
                "DELETE FROM log_info",
            ] {
                await #expect(throws: SQLiteError.self, "\(statement)") { _ = try await raw.query(statement) }
            }
            try await raw.close()
            #expect(try await store.root(size: 4) == root)
        }
    }

    @Test func checkpointsAreKeptOncePerTreeSizeInOrder() async throws {
        try await withTemporaryStore { store, _ in
            let none = try await store.latestCheckpoint()
            #expect(none == nil)
            let hash = try #require(AuditHash(bytes: [UInt8](repeating: 7, count: 32)))
            for size in [3, 1, 2] as [Int64] {
                #expect(try await store.storeCheckpoint(.init(treeSize: size, rootHash: hash, time: .init(milliseconds: size), note: "\(size)\n")))
            }
            #expect(try await !store.storeCheckpoint(.init(treeSize: 2, rootHash: hash, time: .now(), note: "again\n")))
            #expect(try await store.latestCheckpoint()?.treeSize == 3)
            #expect(try await store.checkpoints(after: 1, limit: 10).map(\.treeSize) == [2, 3])
            #expect(try await store.checkpoints(after: 0, limit: 10).map(\.note) == ["1\n", "2\n", "3\n"])
            // A root that is not 32 bytes cannot be made; a negative tree size is refused.
            #expect(AuditHash(bytes: [1]) == nil)
            await #expect(throws: AuditTrailError.self) {
                _ = try await store.storeCheckpoint(.init(treeSize: -1, rootHash: hash, time: .now(), note: "x\n"))
            }
        }
    }

    @Test func migrationBackfillsTheTreeOfAnExistingLog() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var store = try await directory.open()
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 13, seed: 6)))
        let expected = AuditMerkle.root(leafHashes: try await leaves(store))
        try await store.close()
        // Back to schema version 2: chain format 0, no tree, no checkpoints, no log id (and none of
        // version 4: no retention anchors, no settings, every DELETE refused).
        try await directory.downgradeToChainFormatZero()
        let raw = try await directory.rawConnection()
        for statement in [
            "DROP TABLE merkle_nodes", "DROP TABLE checkpoints", "DROP TABLE log_info", "DROP TABLE retention_anchors", "DROP TABLE settings",
            "DROP TRIGGER events_refuse_delete",
            "CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'refused'); END",
            "UPDATE schema_version SET version = 2",
        ] {
            _ = try await raw.query(statement)
        }
        try await raw.close()
        store = try await directory.open()
        // The 13 events, and the record of the chain's migration to format v1 appended on open.
        #expect(try await store.merkleSize() == 14)
        #expect(try await store.root(size: 13) == expected)
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 2, seed: 7)))
        #expect(try await store.root(size: 16) == AuditMerkle.root(leafHashes: try await leaves(store)))
        #expect(try await store.logID().utf8.count == 32)
        try await store.close()
    }

    /// Migration 7 re-keys a tree stored by `(level, idx)` by position: the same nodes come
    /// back, roots and proofs and `verifyLog` hold, appends go on, and a row that names no
    /// subtree of any tree is left behind.
    @Test func migrationSevenKeysTheStoredTreeByPosition() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var store = try await directory.open()
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 300, seed: 6)))
        let nodes = try await store.merkleNodes(completedBy: 0..<300)
        #expect(nodes.count == 2 * 300 - 300.nonzeroBitCount)
        let root = try await store.root(size: 300)
        try await store.close()
        // Back to schema version 6: the tree keyed by (level, idx), and three rows that name no
        // subtree of any tree.
        let raw = try await directory.rawConnection()
        try await TemporaryDirectory.keyMerkleNodesByLevel(raw)
        for statement in [
            "INSERT INTO merkle_nodes VALUES (-1, 3, zeroblob(32)), (2, -5, zeroblob(32)), (70, 0, zeroblob(32))",
            "UPDATE schema_version SET version = 6",
        ] {
            _ = try await raw.query(statement)
        }
        let old = try await raw.query("SELECT level, idx, hash FROM merkle_nodes WHERE level >= 0 AND idx >= 0 AND level < 70 ORDER BY level, idx")
        #expect(old.count == nodes.count)
        #expect(
            old.map { AuditMerkleNodeID(level: $0.column("level")!.integer!, index: Int64($0.column("idx")!.integer!)) }
                == nodes.map(\.id).sorted { ($0.level, $0.index) < ($1.level, $1.index) }
        )
        try await raw.close()

        store = try await directory.open()
        #expect(try await store.merkleNodes(completedBy: 0..<300) == nodes)
        #expect(try await store.merkleSize() == 300)
        #expect(try await store.root(size: 300) == root)
        #expect(try await store.root(size: 129) == AuditMerkle.root(leafHashes: Array(try await leaves(store)[..<129])))
        #expect(try await store.verifyLog(publicKey: nil).ok)
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 5, seed: 7)))
        #expect(try await store.root(size: 305) == AuditMerkle.root(leafHashes: try await leaves(store)))
        try await store.close()
        let check = try await directory.rawConnection()
        let rows = try await check.query("SELECT count(*) AS n, min(pos) AS first, max(pos) AS last FROM merkle_nodes")
        try await check.close()
        #expect(rows.first?.column("n")?.integer == 2 * 305 - 305.nonzeroBitCount)
        #expect(rows.first?.column("first")?.integer == 0)
        #expect(rows.first?.column("last")?.integer == 2 * 305 - 305.nonzeroBitCount - 1)
    }

    @Test func hashSourceNamesAMissingSubtree() async throws {
        try await withTemporaryStore { store, _ in
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 3, seed: 1)))
            let error = await #expect(throws: AuditTrailError.self) {
                _ = try await store.hashes([.init(level: 0, index: 0), .init(level: 2, index: 0)])
            }
            #expect(error?.code == .notFound)
            #expect(error?.message.contains("level 2, index 0") == true)
            #expect(try await store.hashes([.init(level: 1, index: 0), .init(level: 0, index: 2)]).count == 2)
            // Subtrees no tree holds (no position) are not found, not a crash.
            for id in [AuditMerkleNodeID(level: 0, index: -5), .init(level: 70, index: 0), .init(level: 3, index: .max), .init(level: -1, index: 0)] {
                let missing = await #expect(throws: AuditTrailError.self) { _ = try await store.hashes([.init(level: 0, index: 0), id]) }
                #expect(missing?.code == .notFound, "\(id)")
            }
        }
    }

    /// A row planted far past the tree (any position up to the largest integer) makes the stored
    /// tree look larger than the log, which `verifyLog` reports as rows gone; nothing traps. So do
    /// the newest events removed with their nodes left in place.
    @Test func aPlantedRowPastTheTreeIsReportedNotATrap() async throws {
        for position in [Int64.max, AuditMerkleNodeID.maximumPosition, 1_000] {
            try await withTemporaryStore { store, directory in
                _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 5, seed: 1)))
                let raw = try await directory.rawConnection()
                _ = try await raw.query("INSERT INTO merkle_nodes (pos, hash) VALUES (\(position), zeroblob(32))")
                try await raw.close()
                #expect(try await store.merkleSize() > 5)
                let problem = try #require(try await store.verifyLog(publicKey: nil).problem, "position \(position)")
                #expect(problem.kind == .truncated, "\(problem)")
                #expect(problem.seq == 6)
            }
        }
        try await withTemporaryStore { store, directory in
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 9, seed: 2)))
            let raw = try await directory.rawConnection()
            for statement in ["DROP TRIGGER events_refuse_delete", "DELETE FROM events WHERE seq > 7"] { _ = try await raw.query(statement) }
            try await raw.close()
            let problem = try #require(try await store.verifyLog(publicKey: nil).problem)
            #expect(problem.kind == .truncated)
            #expect(problem.seq == 8)
            #expect(problem.detail.contains("holds 9 leaves, but the log ends at seq 7"))
        }
    }
}
