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

    /// Values from a two-letter alphabet, up to 40 bytes long (so runs tie for several 8-byte
    /// windows and values end inside and at the edge of one), and addresses (whose keys share
    /// their first 28 bytes): the same order as sorting by ``AuditIndexKey/<``.
    @Test(arguments: [1, 2, 3])
    func sortedSetsAgreeWithTheKeyOrderOnValuesThatTieForManyWindows(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var chunk = AuditChunkIndex(chunk: 0, geometry: AuditIndexGeometry(shift: 12))
        let validator = AuditEventValidator()
        for index in 0..<3_000 {
            let length = [7, 8, 9, 15, 16, 17, 24, 33, 40, Int.random(in: 1...40, using: &random)][Int.random(in: 0..<10, using: &random)]
            let id = String((0..<length).map { _ in Bool.random(using: &random) ? "a" : "b" })
            var input = AuditEventInput(action: "doc.view", actor: .init(id: id))
            input.actor?.ip =
                Bool.random(using: &random)
                ? "10.\(Int.random(in: 0...3, using: &random)).\(Int.random(in: 0...255, using: &random)).\(Int.random(in: 0...255, using: &random))"
                : "2001:db8::\(String(Int.random(in: 0...0xffff, using: &random), radix: 16))"
            chunk.add(seq: Int64(index + 1), event: try validator.prepare(input).event)
        }
        let keys = chunk.sortedKeys
        #expect(keys == keys.sorted())
        #expect(Set(keys).count == keys.count)
        #expect(keys.filter { $0.kind == .ip }.count > 1_000)
    }

    @Test(arguments: [
        ("", 0, 0 as UInt64, 0 as UInt8), ("a", 0, 0x6100_0000_0000_0000, 1), ("abcdefghij", 0, 0x6162_6364_6566_6768, 9),
        ("abcdefghij", 8, 0x696A_0000_0000_0000, 2), ("abcdefgh", 8, 0, 0), ("abcdefgh", 0, 0x6162_6364_6566_6768, 8),
    ])
    func aWindowIsEightBytesBigEndianAndHowManyOfThemTheValueHas(value: String, offset: Int, prefix: UInt64, rest: UInt8) {
        #expect(AuditChunkIndex.prefix(value, at: offset) == (prefix, rest))
    }
}
