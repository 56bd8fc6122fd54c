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

    @Test func rowsHoldTheDerivedColumnsOfTheirEvent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await directory.open()
        var input = AuditFixtures.fullyPopulated()
        input.description = "Ünïcode Description"
        let result = try await store.append(AuditFixtures.prepare([input]))[0]
        var ascii = AuditFixtures.fullyPopulated(id: AuditFixtures.uuid(seed: 41, index: 1))
        ascii.description = "Mixed CASE Text"
        ascii.comment = nil
        ascii.metadata = ["Plan": "PRO"]
        let asciiResult = try await store.append(AuditFixtures.prepare([ascii]))[0]
        try await store.close()

        let raw = try await directory.rawConnection()
        let asciiRows = try await raw.query("SELECT search FROM events WHERE seq = ?", [.integer(Int(asciiResult.seq))])
        #expect(asciiRows.first?.column("search")?.string == "mixed case text\n{\"plan\":\"pro\"}")
        let rows = try await raw.query(
            "SELECT id, hash, typeof(canonical) AS kind, length(ip) AS ip, search, tags, actor_id FROM events WHERE seq = ?",
            [.integer(Int(result.seq))]
        )
        try await raw.close()
        let row = try #require(rows.first)
        #expect(row.column("id")?.string == input.id)
        #expect(row.column("kind")?.string == "blob")
        #expect(row.column("ip")?.integer == 16)
        #expect(row.column("search")?.string?.hasPrefix("ünïcode description\napproved by hr") == true)
        #expect(row.column("tags")?.string == #"["billing","prod"]"#)
        #expect(row.column("actor_id")?.string == "u-123")
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
