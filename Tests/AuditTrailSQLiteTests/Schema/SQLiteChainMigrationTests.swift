import AuditTrail
import AuditTrailTesting
import Foundation
import NIOPosix
import SQLiteNIO
import Testing

@testable import AuditTrailSQLite

/// Chain format v1 on stores written before it: `Fixtures/format0` is a data directory written by
/// the release server of format 0 (21 events posted over HTTP, a checkpoint signed every 5 events
/// and one at shutdown; `signing.key` is that test log's own key).
@Suite("A store of chain format 0 is verified and migrated on open")
struct SQLiteChainMigrationTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/format0").path

    /// A copy of the fixture in a fresh directory.
    func fixtureCopy() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        for name in ["audit.sqlite", "audit-index.sqlite", "signing.key"] {
            try FileManager.default.copyItem(atPath: Self.fixture + "/" + name, toPath: directory.path + "/" + name)
        }
        // Git keeps no 0600 mode, and the store refuses a key file readable by others.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory.path + "/signing.key")
        return directory
    }

    func query(_ directory: TemporaryDirectory, _ sql: String) async throws -> [SQLiteRow] {
        let raw = try await directory.rawConnection()
        do {
            let rows = try await raw.query(sql)
            try await raw.close()
            return rows
        } catch {
            try? await raw.close()
            throw error
        }
    }

    func storedHashes(_ directory: TemporaryDirectory) async throws -> [[UInt8]] {
        try await query(directory, "SELECT hash FROM events ORDER BY seq").map { Array($0.column("hash")!.blob!.readableBytesView) }
    }

    /// The v1 chain recomputed from the stored canonical bytes, independently of the store.
    func expectChainV1(_ store: SQLiteAuditStore) async throws {
        var previous = AuditChain.genesis
        for row in try await store.rows(after: 0, limit: 1000) {
            previous = AuditChain.next(previous: previous, leaf: AuditMerkle.leafHash(row.canonical))
            #expect(row.hash == previous, "seq \(row.seq)")
        }
    }

    @Test func theFixtureIsOfFormatZeroAndVerifiesThere() async throws {
        let directory = try fixtureCopy()
        defer { directory.remove() }
        #expect(try await query(directory, "SELECT value FROM log_info WHERE name = 'chain_format'").isEmpty)
        var verifier = AuditChainVerifier(start: .init(seq: 0, hash: AuditChain.genesis), format: .v0)
        for row in try await query(directory, "SELECT seq, canonical, hash FROM events ORDER BY seq") {
            let stored = AuditStoredEvent(
                seq: row.column("seq")!.integer.map(Int64.init)!,
                id: "",
                canonical: Array(row.column("canonical")!.blob!.readableBytesView),
                hash: AuditHash(bytes: row.column("hash")!.blob!.readableBytesView)!
            )
            #expect(verifier.check(stored) == nil)
        }
        #expect(verifier.checked == 21)
    }

    @Test func aFormatZeroStoreIsRechainedVerifiedAndTheMigrationRecordedOnce() async throws {
        let directory = try fixtureCopy()
        defer { directory.remove() }
        let before = try await storedHashes(directory)
        let roots = try await query(directory, "SELECT tree_size, root_hash FROM checkpoints ORDER BY tree_size").map {
            Array($0.column("root_hash")!.blob!.readableBytesView)
        }
        let signer = try AuditSigner.load(from: directory.path + "/signing.key")
        var store = try await directory.open()
        do {
            let verification = try await store.verifyLog(publicKey: signer.publicKey)
            #expect(verification.ok, "\(String(describing: verification.problem))")
            #expect(verification.checked == 22)
            #expect(verification.checkpointsChecked == 5)
            try await expectChainV1(store)
            let migrated = try #require(try await store.rows(after: 21, limit: 10).first).decoded()
            #expect(migrated.action == "audit.store.migrated")
            #expect(migrated.actor?.type == "system")
            #expect(migrated.metadata?["from_chain_format"] == 0)
            #expect(migrated.metadata?["to_chain_format"] == 1)
            #expect(migrated.metadata?["events_rechained"] == 21)
            #expect(migrated.metadata?["through_seq"] == 21)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        let after = try await storedHashes(directory)
        #expect(after.count == 22)
        #expect(zip(before, after).allSatisfy { $0 != $1 }, "every hash is rewritten")
        #expect(
            try await query(directory, "SELECT root_hash FROM checkpoints ORDER BY tree_size").map {
                Array($0.column("root_hash")!.blob!.readableBytesView)
            } == roots
        )
        #expect(try await query(directory, "SELECT value FROM log_info WHERE name = 'chain_format'").first?.column("value")?.string == "1")
        #expect(try await query(directory, "SELECT * FROM chain_migration").isEmpty)
        // Opening again migrates nothing and records nothing.
        store = try await directory.open()
        #expect(try await store.head().seq == 22)
        try await store.close()
        #expect(try await storedHashes(directory) == after)
    }

    @Test(arguments: [
        ("UPDATE events SET canonical = CAST(replace(CAST(canonical AS TEXT), 'doc-6', 'doc-X') AS BLOB) WHERE seq = 7", Int64(7)),
        ("UPDATE events SET hash = zeroblob(32) WHERE seq = 12", Int64(12)),
        ("DELETE FROM events WHERE seq = 15", Int64(15)),
    ])
    func aTamperedFormatZeroStoreIsRefusedWithTheFirstBadSeqAndLeftAsItWas(statement: String, seq: Int64) async throws {
        let directory = try fixtureCopy()
        defer { directory.remove() }
        let raw = try await directory.rawConnection()
        for sql in ["DROP TRIGGER events_refuse_update", "DROP TRIGGER events_refuse_delete", statement] { _ = try await raw.query(sql) }
        try await raw.close()
        let before = try await storedHashes(directory)
        let error = await #expect(throws: AuditTrailError.self) { _ = try await directory.open() }
        #expect(error?.code == .tampered)
        #expect(error?.seq == seq)
        #expect(try await storedHashes(directory) == before, "nothing is re-chained")
        // Not even the schema changed: the release that wrote the store can still open it.
        #expect(try await query(directory, "SELECT version FROM schema_version").first?.column("version")?.integer == 4)
        #expect(try await query(directory, "SELECT name FROM sqlite_master WHERE name = 'chain_migration'").isEmpty)
        #expect(try await query(directory, "SELECT value FROM log_info WHERE name = 'chain_format'").isEmpty)
    }

    @Test func anInterruptedMigrationResumesWhereItStopped() async throws {
        let directory = try fixtureCopy()
        defer { directory.remove() }
        let before = try await storedHashes(directory)
        // The schema migrations, then one rewrite transaction of 8 rows — and the process dies.
        let setup = try await directory.rawConnection()
        try await SQLiteSchema.migrate(setup, logger: .quiet)
        try await setup.close()
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let writer = try await SQLiteRawConnection.open(path: directory.databasePath, configuration: directory.configuration, threadPool: pool)
        let finished = try await writer.perform { writer in
            try SQLiteChainMigration.rewriteNextRows(writer, start: .init(seq: 0, hash: AuditChain.genesis), limit: 8)
        }
        #expect(!finished)
        await writer.closeToCompletion()
        try await pool.shutdownGracefully()
        let halfway = try await storedHashes(directory)
        #expect(zip(before, halfway).prefix(8).allSatisfy { $0 != $1 })
        #expect(Array(halfway.dropFirst(8)) == Array(before.dropFirst(8)))
        #expect(try await query(directory, "SELECT done_seq FROM chain_migration").first?.column("done_seq")?.integer == 8)
        // The next open verifies both parts (v1 up to 8, format 0 after) and finishes the rewrite.
        let signer = try AuditSigner.load(from: directory.path + "/signing.key")
        let store = try await directory.open()
        do {
            let verification = try await store.verifyLog(publicKey: signer.publicKey)
            #expect(verification.ok, "\(String(describing: verification.problem))")
            try await expectChainV1(store)
            let migrated = try #require(try await store.rows(after: 21, limit: 10).first).decoded()
            #expect(migrated.action == "audit.store.migrated")
            #expect(migrated.metadata?["events_rechained"] == 21)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    @Test func aFormatZeroStoreWithARetentionAnchorChainsOnFromTheAnchor() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let signer = try AuditSigner.generate(name: "anchor-test")
        var store = try await directory.open()
        do {
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 30, seed: 3)))
            let note = try AuditCheckpoint(origin: "anchor-test", size: 30, rootHash: try await store.root(size: 30), time: .now())
                .signedNote(signer: signer)
            #expect(
                try await store.storeCheckpoint(.init(treeSize: 30, rootHash: try await store.root(size: 30), time: .now(), note: note))
            )
            let anchor = try await store.removeOldestEvents(through: 30, receivedBefore: .init(milliseconds: Int64.max), limit: 10, at: .now())
            #expect(anchor?.seq == 10)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        try await directory.downgradeToChainFormatZero()
        store = try await directory.open()
        do {
            let verification = try await store.verifyLog(publicKey: signer.publicKey)
            #expect(verification.ok, "\(String(describing: verification.problem))")
            #expect(verification.checked == 21)
            let anchor = try #require(try await store.retentionAnchor())
            var previous = anchor.chainStart.hash
            for row in try await store.rows(after: anchor.seq, limit: 100) {
                previous = AuditChain.next(previous: previous, leaf: AuditMerkle.leafHash(row.canonical))
                #expect(row.hash == previous, "seq \(row.seq)")
            }
            #expect(try await store.rows(after: 30, limit: 10).first?.decoded().metadata?["events_rechained"] == 20)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}
