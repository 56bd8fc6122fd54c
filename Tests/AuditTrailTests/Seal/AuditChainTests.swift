import AuditTrail
import Crypto
import Testing

@Suite("AuditChain and AuditChainVerifier")
struct AuditChainTests {
    /// A chain of `count` stored rows built with the real validator and sealing code.
    static func makeRows(_ count: Int, start: AuditChainHead = .init(seq: 0, hash: AuditChain.genesis)) throws -> [AuditStoredEvent] {
        var rows: [AuditStoredEvent] = []
        var previous = start.hash
        for index in 0..<count {
            let seq = start.seq + Int64(index) + 1
            let input = AuditEventInput(
                action: "data.read",
                actor: .init(id: "u-\(index % 3)"),
                metadata: ["seq": .int(seq + 1), "n": .int(Int64(index))]
            )
            let prepared = try AuditEventValidator().prepare(input, receivedAt: fixedReceipt.adding(milliseconds: Int64(index)))
            let sealed = AuditSealer.seal(prepared, seq: seq, receivedAt: fixedReceipt.adding(milliseconds: Int64(index)), previousHash: previous)
            rows.append(sealed.stored)
            previous = sealed.hash
        }
        return rows
    }

    /// `"<seq> <kind>"` of the first problem, or nil.
    static func firstProblem(_ rows: [AuditStoredEvent]) -> String? {
        verify(rows).0.map { "\($0.seq) \($0.kind.rawValue)" }
    }

    static func verify(
        _ rows: [AuditStoredEvent],
        start: AuditChainHead = .init(seq: 0, hash: AuditChain.genesis)
    ) -> (AuditChainVerifier.Problem?, AuditChainVerifier) {
        var verifier = AuditChainVerifier(start: start)
        for row in rows {
            if let problem = verifier.check(row) { return (problem, verifier) }
        }
        return (nil, verifier)
    }

    @Test("hash(n) is SHA-256 of the previous hash followed by the event's leaf hash SHA-256(0x00 ‖ canonical)")
    func chainsWithSHA256() {
        let bytes = Array(#"{"a":1}"#.utf8)
        let leaf = Array(SHA256.hash(data: [0] + bytes))
        #expect(AuditMerkle.leafHash(bytes).bytes == leaf)
        let first = AuditChain.next(previous: AuditChain.genesis, leaf: AuditMerkle.leafHash(bytes))
        #expect(first.bytes == Array(SHA256.hash(data: [UInt8](repeating: 0, count: 32) + leaf)))
        #expect(AuditChain.next(previous: first, leaf: AuditMerkle.leafHash(bytes)).bytes == Array(SHA256.hash(data: first.bytes + leaf)))
        #expect(AuditChain.genesis.bytes == [UInt8](repeating: 0, count: 32))
    }

    @Test("format 0, still read for migration and old exports, chained the canonical bytes themselves")
    func formatZeroChainsCanonicalBytes() throws {
        let bytes = Array(#"{"a":1}"#.utf8)
        #expect(
            AuditChain.nextV0(previous: AuditChain.genesis, canonical: bytes).bytes
                == Array(SHA256.hash(data: [UInt8](repeating: 0, count: 32) + bytes))
        )
        // A verifier told the format checks rows of that format, and refuses the other.
        let rows = try Self.makeRows(3)
        var v0Rows: [AuditStoredEvent] = []
        var previous = AuditChain.genesis
        for row in rows {
            previous = AuditChain.nextV0(previous: previous, canonical: row.canonical)
            v0Rows.append(AuditStoredEvent(seq: row.seq, id: row.id, canonical: row.canonical, hash: previous))
        }
        var v0 = AuditChainVerifier(start: .init(seq: 0, hash: AuditChain.genesis), format: .v0)
        for row in v0Rows { #expect(v0.check(row) == nil) }
        var v1 = AuditChainVerifier(start: .init(seq: 0, hash: AuditChain.genesis))
        #expect(v1.check(v0Rows[0])?.kind == .edited)
        var v0OnV1 = AuditChainVerifier(start: .init(seq: 0, hash: AuditChain.genesis), format: .v0)
        #expect(v0OnV1.check(rows[0])?.kind == .edited)
    }

    @Test("hex round-trips and rejects malformed text")
    func hexRoundTrips() {
        let bytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xAB, 0xFF]
        #expect(AuditHex.string(bytes) == "00017f80abff")
        #expect(AuditHex.bytes(hex: "00017f80abff") == bytes)
        #expect(AuditHex.bytes(hex: "00017F80ABFF") == bytes)
        #expect(AuditHex.bytes(hex: "") == [])
        for bad in ["0", "0g", "zz", "abc", " 00"] { #expect(AuditHex.bytes(hex: bad) == nil) }
    }

    @Test("an intact chain verifies to its head")
    func intactChainVerifies() throws {
        let rows = try Self.makeRows(20)
        let (problem, verifier) = Self.verify(rows)
        #expect(problem == nil)
        #expect(verifier.checked == 20)
        #expect(verifier.head == AuditChainHead(seq: 20, hash: rows[19].hash))
    }

    @Test("a chain verifies from a retention anchor")
    func verifiesFromAnchor() throws {
        let all = try Self.makeRows(10)
        let anchor = AuditChainHead(seq: 4, hash: all[3].hash)
        #expect(Self.verify(Array(all[4...]), start: anchor).0 == nil)
        #expect(Self.verify(Array(all[4...])).0?.kind == .missing)
    }

    @Test("an edited byte anywhere in a row is reported at that seq", arguments: [0, 5, 40, 200])
    func editedByte(offset: Int) throws {
        var rows = try Self.makeRows(10)
        let index = 6
        let position = min(offset, rows[index].canonical.count - 2)
        rows[index].canonical[position] ^= 0x01
        let (problem, verifier) = Self.verify(rows)
        #expect(problem?.seq == 7)
        #expect(problem?.kind == .edited)
        #expect(verifier.checked == 6)
    }

    @Test("an edited value that keeps valid JSON is reported as edited")
    func editedValue() throws {
        var rows = try Self.makeRows(5)
        let text = String(decoding: rows[2].canonical, as: UTF8.self).replacing("\"u-2\"", with: "\"u-9\"")
        rows[2].canonical = Array(text.utf8)
        #expect(Self.verify(rows).0 == .init(seq: 3, kind: .edited, detail: "hash does not match the stored bytes and the previous hash"))
    }

    @Test("an edited stored hash is reported at that seq")
    func editedHash() throws {
        var rows = try Self.makeRows(5)
        var hash = rows[4].hash.bytes
        hash[0] ^= 0xFF
        rows[4].hash = AuditHash(bytes: hash)!
        #expect(Self.firstProblem(rows) == "5 edited")
    }

    @Test("a missing row is reported at the first absent seq")
    func missingRow() throws {
        var rows = try Self.makeRows(8)
        rows.remove(at: 3)
        let problem = Self.verify(rows).0
        #expect(problem?.seq == 4)
        #expect(problem?.kind == .missing)
    }

    @Test("a repeated row is reported as inserted at its seq")
    func repeatedRow() throws {
        var rows = try Self.makeRows(6)
        rows.insert(rows[2], at: 3)
        let problem = Self.verify(rows).0
        #expect(problem?.seq == 3)
        #expect(problem?.kind == .inserted)
    }

    @Test("swapped rows are reported as reordered at the first swapped seq")
    func swappedRows() throws {
        var rows = try Self.makeRows(6)
        // The stored bytes and hashes of seq 3 and 4 trade places; the seq column stays in order.
        let third = rows[2]
        let fourth = rows[3]
        rows[2] = AuditStoredEvent(seq: 3, id: fourth.id, canonical: fourth.canonical, hash: fourth.hash)
        rows[3] = AuditStoredEvent(seq: 4, id: third.id, canonical: third.canonical, hash: third.hash)
        let problem = Self.verify(rows).0
        #expect(problem?.seq == 3)
        #expect(problem?.kind == .reordered)
    }

    @Test("a row re-sealed with a forged seq but the wrong previous hash is edited")
    func forgedRow() throws {
        var rows = try Self.makeRows(4)
        let prepared = try AuditEventValidator().prepare(AuditEventInput(action: "user.login"), receivedAt: fixedReceipt)
        rows[2] = AuditSealer.seal(prepared, seq: 3, receivedAt: fixedReceipt, previousHash: AuditChain.genesis).stored
        #expect(Self.firstProblem(rows) == "3 edited")
    }

    @Test("problems describe themselves without payloads")
    func problemDescription() {
        let problem = AuditChainVerifier.Problem(seq: 9, kind: .missing, detail: "rows 9…9 are absent")
        #expect(problem.description == "seq 9: missing: rows 9…9 are absent")
        #expect(AuditVerification(checked: 8, head: .init(seq: 8, hash: .zero), problem: problem).ok == false)
        #expect(AuditVerification(checked: 8, head: .init(seq: 8, hash: .zero), problem: nil).ok)
    }
}
