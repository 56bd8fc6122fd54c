import AuditTrail
import Synchronization
import Testing

@Suite("verifyChain over a store reader", .timeLimit(.minutes(1)))
struct AuditStoreVerifyTests {
    /// A store holding `count` events appended through the real writer.
    static func filledStore(_ count: Int) async throws -> WriterTestStore {
        let store = WriterTestStore()
        let writer = AuditWriterTests.makeWriter(store)
        _ = try await AuditWriterTests.withRunningWriter(writer) {
            try await writer.append(contentsOf: (0..<count).map { AuditWriterTests.event($0) })
        }
        return store
    }

    @Test("an intact log verifies page by page and reports progress")
    func intactLogVerifies() async throws {
        let store = try await Self.filledStore(10)
        let pages = Mutex<[Int64]>([])
        let result = try await store.verifyChain(pageSize: 3) { checked, head in
            #expect(head == 10)
            pages.withLock { $0.append(checked) }
        }
        #expect(result.ok)
        #expect(result.checked == 10)
        #expect(result.head == (try await store.head()))
        #expect(pages.withLock { $0 } == [3, 6, 9, 10])
    }

    @Test("an empty log verifies")
    func emptyLogVerifies() async throws {
        let result = try await WriterTestStore().verifyChain()
        #expect(result.ok)
        #expect(result.checked == 0)
    }

    @Test("an edited row is reported at its seq", arguments: [1, 5, 10])
    func editedRow(seq: Int) async throws {
        let store = try await Self.filledStore(10)
        await store.tamper { rows in rows[seq - 1].canonical[3] ^= 0x20 }
        let result = try await store.verifyChain(pageSize: 4)
        #expect(result.problem?.seq == Int64(seq))
        #expect(result.problem?.kind == .edited)
        #expect(result.checked == Int64(seq - 1))
    }

    @Test("a deleted row in the middle is reported as missing")
    func deletedRow() async throws {
        let store = try await Self.filledStore(10)
        await store.tamper { rows in rows.remove(at: 6) }
        let result = try await store.verifyChain(pageSize: 4)
        #expect(result.problem?.seq == 7)
        #expect(result.problem?.kind == .missing)
    }

    @Test("rows whose contents were swapped are reported as reordered")
    func swappedRows() async throws {
        let store = try await Self.filledStore(6)
        await store.tamper { rows in
            let (a, b) = (rows[1], rows[2])
            rows[1] = AuditStoredEvent(seq: 2, id: b.id, canonical: b.canonical, hash: b.hash)
            rows[2] = AuditStoredEvent(seq: 3, id: a.id, canonical: a.canonical, hash: a.hash)
        }
        let result = try await store.verifyChain()
        #expect(result.problem?.seq == 2)
        #expect(result.problem?.kind == .reordered)
    }
}
