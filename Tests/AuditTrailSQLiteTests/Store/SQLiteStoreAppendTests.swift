import AuditTrail
import AuditTrailSQLite
import AuditTrailTesting
import Logging
import SQLiteNIO
import Testing

/// The append path: appends larger than one insert chunk (sealed here while the writer thread
/// inserts), idempotent client ids across chunks, and what the rows hold afterwards.
@Suite struct SQLiteStoreAppendTests {
    @Test func appendsLargerThanOneChunkGetConsecutiveSeqsAndAValidChain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open { $0.rowsPerInsert = 7 }
        let first = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 50, seed: 11)))
        #expect(first.map(\.seq) == Array(1...50))
        #expect(first.allSatisfy { $0.created })
        let small = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 3, seed: 12)))
        #expect(small.map(\.seq) == [51, 52, 53])
        #expect(try await store.head() == AuditChainHead(seq: 53, hash: small[2].hash))
        let verification = try await store.verifyChain()
        #expect(verification.ok)
        #expect(verification.checked == 53)
        try await store.close()
    }

    @Test func clientIDsRepeatedAcrossChunksAreStoredOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open { $0.rowsPerInsert = 4 }
        let inputs = AuditFixtures.events(count: 10, seed: 21, clientIDs: true)
        let stored = try await store.append(AuditFixtures.prepare(Array(inputs[0..<3])))
        // Three already stored, then seven new ones, each of which is sent twice in this append.
        let again = Array(inputs[0..<3]) + Array(inputs[3..<10]) + Array(inputs[3..<10])
        let results = try await store.append(AuditFixtures.prepare(again))
        #expect(results.count == 17)
        #expect(results[0..<3].map(\.seq) == stored.map(\.seq))
        #expect(results[0..<3].allSatisfy { !$0.created })
        #expect(results[3..<10].map(\.seq) == Array(4...10))
        #expect(results[3..<10].allSatisfy { $0.created })
        #expect(results[10..<17].map(\.seq) == Array(4...10))
        #expect(results[10..<17].allSatisfy { !$0.created })
        #expect(results[10..<17].map(\.hash) == results[3..<10].map(\.hash))
        #expect(try await store.head().seq == 10)
        #expect(try await store.seenActions().values.reduce(0, +) == 10)
        try await store.close()
    }

    /// A row holds the canonical bytes, the chain hash and the id; nothing a search reads is
    /// copied into it (the search index derives everything from the canonical bytes).
    @Test func rowsHoldTheCanonicalBytesAndNoUnverifiedCopies() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open()
        let input = AuditFixtures.fullyPopulated()
        let result = try await store.append(AuditFixtures.prepare([input]))[0]
        try await store.close()

        let raw = try await directory.rawConnection()
        let rows = try await raw.query(
            "SELECT id, hash, typeof(canonical) AS kind, ip, search, tags, actor_id, correlation_id FROM events WHERE seq = ?",
            [.integer(Int(result.seq))]
        )
        let indexes = try await raw.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")
        try await raw.close()
        let row = try #require(rows.first)
        #expect(row.column("id")?.string == input.id)
        #expect(row.column("kind")?.string == "blob")
        for column in ["ip", "search", "tags", "actor_id", "correlation_id"] {
            #expect(row.column(column)?.isNull == true, "\(column) is not filled any more")
        }
        #expect(indexes.compactMap { $0.column("name")?.string }.filter { !$0.hasPrefix("sqlite_") } == ["events_id"])
        if case .blob(let hash)? = row.column("hash") {
            #expect(Array(hash.readableBytesView) == result.hash.bytes)
        } else {
            Issue.record("the hash column is not a blob")
        }
    }

    @Test func appendsAfterCloseThrowAndLeaveTheFileIntact() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open()
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 5, seed: 31)))
        try await store.close()
        await #expect(throws: AuditTrailError.self) {
            try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 1, seed: 32)))
        }
        let reopened = try await directory.open()
        #expect(try await reopened.head().seq == 5)
        #expect(try await reopened.verifyChain().ok)
        try await reopened.close()
    }
}
