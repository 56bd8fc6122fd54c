import AuditTrailTesting
import Testing

@testable import AuditTrail

/// The order a store writes a chunk's sets in: ``AuditChunkIndex/sortedSets`` sorts by an
/// eight-byte prefix first and must still give exactly ``AuditIndexKey``'s byte order.
@Suite("AuditChunkIndex.sortedSets")
struct AuditChunkIndexOrderTests {
    /// Values that share their first eight bytes, differ only past them, are prefixes of each other,
    /// hold punctuation or non-ASCII text, across every kind: each key once, in byte order, with its set.
    @Test func sortedSetsAreInKeyOrderWithTheirSets() throws {
        let values = [
            "abcdefgh", "abcdefghi", "abcdefgh-", "abcdefg", "abcdefgha", "abcdefghZ", "", "a", "a-", "-",
            "zürich", "zurich", "Zurich", "東京", "10.0.0.1", "10.0.0.10", "10.0.0.2", "u-17", "u-170", "u-2",
        ]
        var chunk = AuditChunkIndex(chunk: 0, geometry: AuditIndexGeometry(shift: 8))
        let validator = AuditEventValidator()
        for (index, value) in values.enumerated() {
            var input = AuditEventInput(action: "doc.view", actor: .init(id: value.isEmpty ? "empty" : value))
            input.description = value
            input.tags = [value.isEmpty ? "none" : value]
            chunk.add(seq: Int64(index + 1), event: try validator.prepare(input).event)
        }
        let sorted = chunk.sortedSets
        let keys = sorted.map(\.key)
        #expect(keys == keys.sorted(), "not in AuditIndexKey order")
        #expect(Set(keys).count == keys.count)
        #expect(keys == chunk.sortedKeys)
        for (key, set) in sorted { #expect(chunk.set(key) == set, "\(key)") }
        let tags = sorted.filter { $0.key.kind == .tag }.map(\.key.value)
        #expect(tags.count == values.count)
        #expect(tags.map { Array($0.utf8) } == tags.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test(arguments: [("", 0 as UInt64), ("a", 0x6100_0000_0000_0000), ("abcdefghij", 0x6162_6364_6566_6768)])
    func thePrefixIsTheFirstEightBytesBigEndian(value: String, prefix: UInt64) {
        #expect(AuditChunkIndex.prefix(value) == prefix)
    }
}
