import Testing

@testable import AuditTrail

/// The packed form of a stored row (``AuditPackedSets``): what it holds comes back exactly, and
/// bytes that are not the form are refused, not misread.
@Suite("AuditPackedSets")
struct AuditPackedSetsTests {
    static func packed(_ entries: [(String, [UInt16])]) -> [UInt8] {
        var row: [UInt8] = [AuditPackedSets.tag]
        for (value, offsets) in entries {
            AuditIndexKey.withBytes(value) { bytes in AuditPackedSets.append(value: bytes, count: offsets.count, to: &row) { offsets.forEach($0) } }
        }
        return row
    }

    @Test func aPackedRowGivesBackEachValueAndSet() throws {
        let long = String(repeating: "é", count: 100)  // 200 bytes: a two-byte length
        let row = Self.packed([("a", [0]), ("ab", [1, 7, 65_535]), (long, [2, 3, 4, 5])])
        let sets = try AuditPackedSets.sets(row: "a", events: row)
        #expect(sets.map(\.value) == ["a", "ab", long])
        #expect(sets.map(\.set) == [AuditSeqSet(offsets: [0]), AuditSeqSet(offsets: [1, 7, 65_535]), AuditSeqSet(offsets: [2, 3, 4, 5])])
        #expect(try AuditPackedSets.set(of: "ab", row: "a", events: row) == AuditSeqSet(offsets: [1, 7, 65_535]))
        #expect(try AuditPackedSets.set(of: "aa", row: "a", events: row) == nil)
        #expect(try AuditPackedSets.set(of: long, row: "a", events: row)?.count == 4)
        // A plain row answers for its own value only.
        let plain = AuditSeqSet(offsets: [9, 10]).serialized
        #expect(try AuditPackedSets.set(of: "x", row: "x", events: plain) == AuditSeqSet(offsets: [9, 10]))
        #expect(try AuditPackedSets.set(of: "xy", row: "x", events: plain) == nil)
        #expect(AuditPackedSets.storedForms(row: "a", events: row).map(\.events) == sets.map(\.set.serialized))
    }

    @Test(
        arguments: [
            [3],  // no key
            [3, 1, 0x61, 1],  // offsets cut short
            [3, 1, 0x61, 0, 0, 0],  // count 0
            [3, 1, 0x61, 5, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0],  // count above the limit
            [3, 1, 0x61, 2, 5, 0, 5, 0],  // offsets not ascending
            [3, 1, 0x62, 1, 0, 0, 1, 0x61, 1, 1, 0],  // values not ascending
            [3, 1, 0x61, 1, 0, 0, 1, 0x61, 1, 1, 0],  // a value twice
            [3, 9, 0x61, 1, 0, 0],  // a length past the end
            [3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],  // a length that does not end
            [3, 1, 0x61, 1, 0, 0, 7],  // bytes left over
            [4, 1, 0x61, 1, 0, 0],  // neither form
        ] as [[UInt8]]
    )
    func bytesThatAreNotThePackedFormAreRefused(bytes: [UInt8]) {
        #expect(throws: AuditPackedSets.Malformed.self) { try AuditPackedSets.sets(row: "a", events: bytes) }
        #expect(throws: AuditPackedSets.Malformed.self) { try AuditPackedSets.set(of: "a", row: "a", events: bytes) }
        #expect(AuditPackedSets.storedForms(row: "a", events: bytes).map(\.events) == [bytes])
    }
}
