import AuditTrail
import AuditTrailSQLite
import AuditTrailTesting
import SQLiteNIO
import Testing

/// The database refuses edits, and edits made anyway (triggers dropped) are named by the verifier.
@Suite struct SQLiteStoreTamperTests {
    func fill(_ store: SQLiteAuditStore, count: Int = 20) async throws {
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: count, seed: 3)))
    }

    @Test func updateOfAnEventIsRefusedByTheDatabase() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            let raw = try await directory.rawConnection()
            await #expect(throws: SQLiteError.self) {
                _ = try await raw.query("UPDATE events SET action = 'user.logout' WHERE seq = 3")
            }
            await #expect(throws: SQLiteError.self) {
                _ = try await raw.query("UPDATE events SET canonical = x'00' WHERE seq = 3")
            }
            try await raw.close()
            #expect(try await store.verifyChain().ok)
        }
    }

    @Test func deleteOfAnEventIsRefusedByTheDatabase() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            let raw = try await directory.rawConnection()
            await #expect(throws: SQLiteError.self) { _ = try await raw.query("DELETE FROM events WHERE seq = 20") }
            await #expect(throws: SQLiteError.self) { _ = try await raw.query("DELETE FROM events") }
            try await raw.close()
            #expect(try await store.head().seq == 20)
            #expect(try await store.verifyChain().ok)
        }
    }

    @Test(arguments: ["canonical", "hash"])
    func editedRowIsNamedByTheVerifier(_ column: String) async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            let raw = try await directory.rawConnection()
            _ = try await raw.query("DROP TRIGGER events_refuse_update")
            let row = try #require(try await raw.query("SELECT canonical, hash FROM events WHERE seq = 7").first)
            var bytes = Array(try #require(row.column(column)?.blob).readableBytesView)
            if column == "canonical" {
                let index = try #require(bytes.firstIndex(of: UInt8(ascii: ":")))
                bytes.insert(UInt8(ascii: " "), at: index + 1)  // same JSON, different bytes
            } else {
                bytes[0] ^= 0x01
            }
            _ = try await raw.query("UPDATE events SET \(column) = ? WHERE seq = 7", [.blob(.init(bytes: bytes))])
            try await raw.close()
            let result = try await store.verifyChain(pageSize: 4)
            let problem = try #require(result.problem)
            #expect(problem.seq == 7)
            #expect(problem.kind == .edited)
            #expect(result.checked == 6)
        }
    }

    @Test func deletedRowIsNamedByTheVerifier() async throws {
        try await withTemporaryStore { store, directory in
            try await fill(store)
            let raw = try await directory.rawConnection()
            _ = try await raw.query("DROP TRIGGER events_refuse_delete")
            _ = try await raw.query("DELETE FROM events WHERE seq = 12")
            try await raw.close()
            let problem = try #require(try await store.verifyChain().problem)
            #expect(problem.seq == 12)
            #expect(problem.kind == .missing)
        }
    }
}
