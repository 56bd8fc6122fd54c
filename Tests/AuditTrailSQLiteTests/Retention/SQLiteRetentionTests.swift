import AuditTrail
import AuditTrailTesting
import SQLiteNIO
import Testing

@testable import AuditTrailSQLite

/// Retention on a real store: the anchor, the one DELETE path, verification from the anchor and
/// proofs for the remaining events against a checkpoint made after the removal.
@Suite struct SQLiteRetentionTests {
    let signer = try! AuditSigner.generate(name: "audittrail/test")
    /// Far enough in the future that every stored event is older.
    static let later = AuditTime.now().adding(milliseconds: 86_400_000)

    func checkpointer(_ store: SQLiteAuditStore) throws -> AuditCheckpointer {
        try AuditCheckpointer(store: store, signer: signer, origin: "audittrail/test", logger: .quiet)
    }

    /// 20 events with checkpoints at 5, 12 and 20.
    func fill(_ store: SQLiteAuditStore) async throws {
        let checkpointer = try checkpointer(store)
        for (index, count) in [5, 7, 8].enumerated() {
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: count, seed: UInt64(index + 1))))
            try await checkpointer.checkpoint()
        }
    }

    /// Removes events 1…`seq` in one batch.
    @discardableResult
    func remove(_ store: SQLiteAuditStore, through seq: Int64) async throws -> AuditRetentionAnchor {
        try #require(try await store.removeOldestEvents(through: seq, receivedBefore: Self.later, limit: 10_000, at: .now()))
    }

    static func query(actor: String? = nil) -> AuditQuery {
        var query = AuditQuery()
        query.limit = 100
        query.actor = actor
        return query
    }

    func raw(_ directory: TemporaryDirectory, _ statements: [String]) async throws {
        let connection = try await directory.rawConnection()
        do {
            for statement in statements { _ = try await connection.query(statement) }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    @Test func removalRecordsTheAnchorAndDeletesExactlyThePrefix() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store)
            let before = try await store.rows(after: 0, limit: 100)
            let anchor = try await remove(store, through: 8)
            #expect(anchor.seq == 8)
            #expect(anchor.hash == before[7].hash)
            #expect(anchor.subtreeHashes == (try await store.hashes(AuditMerkleTreeBuilder.frontierNodes(size: 8))))
            #expect(anchor.root == (try await store.root(size: 8)))
            #expect(try await store.retentionAnchor() == anchor)
            #expect(try await store.chainStart() == AuditChainHead(seq: 8, hash: before[7].hash))
            let after = try await store.rows(after: 0, limit: 100)
            #expect(after.map(\.seq) == Array(9...20))
            // Queries, look-ups and counts no longer see the removed events.
            #expect(try await store.event(id: before[0].id) == nil)
            #expect(try await store.event(id: before[8].id)?.seq == 9)
            let page = try await store.events(matching: Self.query())
            #expect(page.events.map(\.seq).sorted() == Array(9...20))
            let removedActor = try #require(try before[0].decoded().actor?.id)
            let byActor = try await store.events(matching: Self.query(actor: removedActor))
            #expect(byActor.events.allSatisfy { $0.seq > 8 })
            #expect(try await store.seenActions().values.reduce(0, +) == 12)
            #expect(try await store.head().seq == 20)
            // The Merkle tree is kept whole.
            #expect(try await store.merkleSize() == 20)
        }
    }

    @Test func indexedRemovedEventsMatchNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open { $0.indexChunkShift = 2 }
        do {
            try await fill(store)
            // Every chunk of 4 is indexed (the search writes the complete ones).
            #expect(try await store.events(matching: AuditQuery()).events.count == 20)
            let first = try #require(try await store.rows(after: 0, limit: 1).first)
            let actor = try #require(try first.decoded().actor?.id)
            try await remove(store, through: 8)
            let page = try await store.events(matching: Self.query(actor: actor))
            #expect(page.events.allSatisfy { $0.seq > 8 })
            #expect(!page.events.contains { $0.id == first.id })
            // The two chunks of 4 whose every event is gone leave the index file.
            #expect(try await store.indexSnapshot().stored.first == 0)
            await store.indexInBackground()
            #expect(try await store.indexSnapshot().stored.first == 2)
            #expect(try await store.events(matching: AuditQuery()).events.map(\.seq) == Array((9...20).reversed()))
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    @Test func batchesAreBoundedAndTheNewestEventStays() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store)
            #expect(try await store.removeOldestEvents(through: 100, receivedBefore: Self.later, limit: 3, at: .now())?.seq == 3)
            #expect(try await store.removeOldestEvents(through: 100, receivedBefore: Self.later, limit: 3, at: .now())?.seq == 6)
            #expect(try await store.removeOldestEvents(through: 7, receivedBefore: Self.later, limit: 3, at: .now())?.seq == 7)
            #expect(try await store.removeOldestEvents(through: 7, receivedBefore: Self.later, limit: 3, at: .now()) == nil)
            #expect(try await store.removeOldestEvents(through: 100, receivedBefore: Self.later, limit: 100, at: .now())?.seq == 19)
            #expect(try await store.removeOldestEvents(through: 100, receivedBefore: Self.later, limit: 100, at: .now()) == nil)
            #expect(try await store.rows(after: 0, limit: 10).map(\.seq) == [20])
            #expect(try await store.verifyLog(publicKey: signer.publicKey).ok)
        }
    }

    @Test func eventsReceivedAfterTheCutoffStay() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store)
            #expect(try await store.removeOldestEvents(through: 100, receivedBefore: AuditTime(milliseconds: 0), limit: 100, at: .now()) == nil)
            #expect(try await store.retentionAnchor() == nil)
            #expect(try await store.rows(after: 0, limit: 100).count == 20)
        }
    }

    @Test func theDatabaseRefusesEveryOtherDeleteAndUpdate() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            // Before any anchor, no row can be deleted.
            await #expect(throws: (any Error).self) { try await raw(directory, ["DELETE FROM events WHERE seq = 1"]) }
            try await remove(store, through: 8)
            for statement in [
                "DELETE FROM events WHERE seq = 15",
                "DELETE FROM events WHERE seq = 9",
                "DELETE FROM events",
                "UPDATE events SET canonical = x'00' WHERE seq = 12",
                "DELETE FROM retention_anchors",
                "UPDATE retention_anchors SET seq = 12",
                "DELETE FROM merkle_nodes WHERE pos = \(AuditMerkleNodeID(level: 0, index: 2).position)",
                // An anchor must name a stored event by its hash…
                "INSERT INTO retention_anchors (seq, hash, received_at, subtree_hashes, removed_at) SELECT seq, zeroblob(32), received_at, x'', 0 FROM events WHERE seq = 12",
                // …after the newest anchor.
                "INSERT INTO retention_anchors (seq, hash, received_at, subtree_hashes, removed_at) VALUES (4, zeroblob(32), 0, x'', 0)",
            ] {
                await #expect(throws: (any Error).self, "\(statement)") { try await raw(directory, [statement]) }
            }
            #expect(try await store.rows(after: 0, limit: 100).map(\.seq) == Array(9...20))
            #expect(try await store.verifyLog(publicKey: signer.publicKey).ok)
        }
    }

    @Test func theLogVerifiesFromTheAnchor() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store)
            try await remove(store, through: 8)
            let chain = try await store.verifyChain(pageSize: 5)
            #expect(chain.ok, "\(String(describing: chain.problem))")
            #expect(chain.checked == 12)
            for pageSize in [3, 10_000] {
                let log = try await store.verifyLog(publicKey: signer.publicKey, pageSize: pageSize)
                #expect(log.ok, "\(String(describing: log.problem))")
                #expect(log.checked == 12)
                #expect(log.checkpointsChecked == 2)
                #expect(log.checkpointsCoveredByAnchor == 1)
                #expect(log.anchor?.seq == 8)
                #expect(log.latestCheckpoint?.treeSize == 20)
            }
        }
    }

    @Test func anAnchorAtACheckpointIsCheckedAgainstItsRoot() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store)
            try await remove(store, through: 12)
            let log = try await store.verifyLog(publicKey: signer.publicKey)
            #expect(log.ok, "\(String(describing: log.problem))")
            #expect(log.checkpointsChecked == 2)
            #expect(log.checkpointsCoveredByAnchor == 1)
        }
    }

    @Test func aCheckpointKeptBeforeTheRemovalStillVerifies() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store)
            let kept = try await store.verifyLog(publicKey: signer.publicKey)
            let latest = try #require(kept.latestCheckpoint)
            let pinned = AuditPinnedCheckpoint(treeSize: latest.treeSize, rootHash: latest.rootHash, frontier: kept.latestFrontier)
            let early = AuditPinnedCheckpoint(treeSize: 5, rootHash: try await store.root(size: 5))
            try await remove(store, through: 8)
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 3, seed: 9)))
            try await checkpointer(store).checkpoint()
            for pin in [pinned, early] {
                let result = try await store.verifyLog(publicKey: signer.publicKey, pinned: pin)
                #expect(result.ok, "\(pin.treeSize): \(String(describing: result.problem))")
            }
        }
    }

    @Test func anEditedRemainingRowIsNamed() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            try await remove(store, through: 8)
            try await raw(
                directory,
                [
                    "DROP TRIGGER events_refuse_update",
                    "UPDATE events SET canonical = CAST(replace(CAST(canonical AS TEXT), '\"action\":\"', '\"action\":\"x') AS BLOB) WHERE seq = 11",
                ]
            )
            let chain = try #require(try await store.verifyChain().problem)
            #expect(chain.seq == 11)
            #expect(chain.kind == .edited)
            let log = try #require(try await store.verifyLog(publicKey: signer.publicKey).problem)
            #expect(log.seq == 11)
            #expect(log.kind == .edited)
        }
    }

    @Test func aTamperedAnchorHashFails() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            try await remove(store, through: 8)
            try await raw(directory, ["DROP TRIGGER retention_anchors_refuse_update", "UPDATE retention_anchors SET hash = zeroblob(32)"])
            let chain = try #require(try await store.verifyChain().problem)
            #expect(chain.seq == 9)
            #expect(chain.kind == .edited)
            #expect(try await store.verifyLog(publicKey: signer.publicKey).problem?.seq == 9)
        }
    }

    @Test(arguments: [
        // One subtree hash replaced.
        "UPDATE retention_anchors SET subtree_hashes = zeroblob(32)",
        // A hash too few.
        "UPDATE retention_anchors SET subtree_hashes = x''",
    ])
    func tamperedAnchorSubtreeHashesFail(_ statement: String) async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            try await remove(store, through: 8)
            try await raw(directory, ["DROP TRIGGER retention_anchors_refuse_update", statement])
            let problem = try #require(try await store.verifyLog(publicKey: signer.publicKey).problem)
            #expect(problem.seq == 9)
            #expect(problem.kind == .edited)
        }
    }

    @Test func aForgedAnchorWithAMatchingForgedTreeMissesTheSignedRoots() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            try await remove(store, through: 8)
            // The attacker rewrites the anchor and the stored node it names alike (tree size 8 is
            // one perfect subtree, level 3): the signed roots of 12 and 20 no longer come out.
            try await raw(
                directory,
                [
                    "DROP TRIGGER retention_anchors_refuse_update", "DROP TRIGGER merkle_nodes_refuse_update",
                    "UPDATE retention_anchors SET subtree_hashes = zeroblob(32)",
                    "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE pos = \(AuditMerkleNodeID(level: 3, index: 0).position)",
                ]
            )
            let problem = try #require(try await store.verifyLog(publicKey: signer.publicKey).problem)
            #expect(problem.seq > 8)
        }
    }

    @Test func proofsForRemainingEventsVerifyAgainstANewCheckpoint() async throws {
        try await withTemporaryStore { store, _ in
            try await fill(store)
            let old = try await store.checkpoints(after: 0, limit: 10)
            try await remove(store, through: 8)
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 3, seed: 9)))
            try await checkpointer(store).checkpoint()
            let checkpoint = try #require(try await store.latestCheckpoint())
            #expect(checkpoint.treeSize == 23)
            let verified = try AuditCheckpoint(note: checkpoint.note, verifier: signer.publicKey)
            #expect(verified.rootHash == checkpoint.rootHash)
            for row in try await store.rows(after: 0, limit: 100) {
                let proof = try await store.inclusionProof(index: row.seq - 1, size: checkpoint.treeSize)
                try AuditMerkle.verifyInclusion(
                    leafHash: AuditMerkle.leafHash(row.canonical),
                    index: row.seq - 1,
                    size: checkpoint.treeSize,
                    proof: proof,
                    root: checkpoint.rootHash
                )
            }
            // The old checkpoints, also the one the anchor covers, are prefixes of the new one.
            for older in old {
                let proof = try await store.consistencyProof(from: older.treeSize, to: checkpoint.treeSize)
                try AuditMerkle.verifyConsistency(
                    from: older.treeSize,
                    to: checkpoint.treeSize,
                    oldRoot: older.rootHash,
                    newRoot: checkpoint.rootHash,
                    proof: proof
                )
            }
            // A forged leaf does not verify.
            let row = try #require(try await store.rows(after: 0, limit: 1).first)
            let proof = try await store.inclusionProof(index: row.seq - 1, size: checkpoint.treeSize)
            #expect(throws: AuditTrailError.self) {
                try AuditMerkle.verifyInclusion(
                    leafHash: AuditMerkle.leafHash(row.canonical + [0]),
                    index: row.seq - 1,
                    size: checkpoint.treeSize,
                    proof: proof,
                    root: checkpoint.rootHash
                )
            }
            let log = try await store.verifyLog(publicKey: signer.publicKey)
            #expect(log.ok, "\(String(describing: log.problem))")
            #expect(log.checkpointsChecked == 3)
        }
    }

    @Test func theWindowIsStoredAndSurvivesReopening() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var store = try await directory.open()
        #expect(try await store.retentionWindow() == nil)
        #expect(try await store.setRetentionWindow(try AuditRetentionWindow(days: 30), replacing: false).days == 30)
        #expect(try await store.setRetentionWindow(.off, replacing: false).days == 30)
        #expect(try await store.setRetentionWindow(.off, replacing: true) == .off)
        try await store.close()
        store = try await directory.open()
        #expect(try await store.retentionWindow() == .off)
        try await store.setRetentionWindow(try AuditRetentionWindow(days: 7), replacing: true)
        try await store.close()
        store = try await directory.open()
        #expect(try await store.retentionWindow()?.days == 7)
        try await store.close()
    }

    @Test func aStoreOfSchemaVersion3IsMigrated() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var store = try await directory.open()
        try await fill(store)
        try await store.close()
        // Back to what version 3 had: chain format 0, no anchors, no settings, every DELETE refused.
        try await directory.downgradeToChainFormatZero()
        try await raw(
            directory,
            [
                "DROP TABLE retention_anchors", "DROP TABLE settings", "DROP TRIGGER events_refuse_delete",
                "CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'refused'); END",
                "UPDATE schema_version SET version = 3",
            ]
        )
        store = try await directory.open()
        do {
            try await remove(store, through: 8)
            await #expect(throws: (any Error).self) { try await raw(directory, ["DELETE FROM events WHERE seq = 10"]) }
            #expect(try await store.verifyLog(publicKey: signer.publicKey).ok)
            let version = try await directory.rawConnection()
            let rows = try await version.query("SELECT version FROM schema_version")
            try await version.close()
            #expect(rows.first?.column("version")?.integer == Int(SQLiteSchema.currentVersion))
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}
