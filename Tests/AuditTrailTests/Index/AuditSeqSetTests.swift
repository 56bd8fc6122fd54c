import AuditTrail
import AuditTrailTesting
import Testing

/// The per-chunk set against Swift's `Set`: every operation, both containers, both orders, and
/// a stored form that is canonical.
@Suite("AuditSeqSet")
struct AuditSeqSetTests {
    /// A random set of about `count` offsets, dense or sparse, sometimes clustered.
    static func randomOffsets(_ random: inout SplitMix64, count: Int) -> Set<UInt16> {
        var out = Set<UInt16>()
        let clustered = random.below(2) == 0
        let base = random.below(60_000)
        for _ in 0..<count {
            let offset = clustered ? (base + random.below(5_536)) : random.below(AuditSeqSet.capacity)
            out.insert(UInt16(offset))
        }
        return out
    }

    @Test func operationsAgreeWithSwiftSets() {
        var random = SplitMix64(seed: 11)
        let sizes = [0, 1, 7, 300, 4_096, 4_097, 9_000, 40_000, 65_536]
        for _ in 0..<60 {
            let a = Self.randomOffsets(&random, count: sizes[random.below(sizes.count)])
            let b = Self.randomOffsets(&random, count: sizes[random.below(sizes.count)])
            let setA = AuditSeqSet(offsets: a)
            let setB = AuditSeqSet(offsets: b)
            #expect(setA.count == a.count && setA.offsets == a.sorted())
            #expect(setA.intersection(setB).offsets == a.intersection(b).sorted())
            #expect(setA.union(setB).offsets == a.union(b).sorted())
            #expect(setA.subtracting(setB).offsets == a.subtracting(b).sorted())
            #expect(setA.intersection(setB).count == a.intersection(b).count)
            #expect(setA.intersectionCount(setB) == a.intersection(b).count)
            #expect(setA.union(setB).count == a.union(b).count)
            #expect(setA.subtracting(setB).count == a.subtracting(b).count)
            var descending: [UInt16] = []
            setA.forEach(descending: true) {
                descending.append($0)
                return true
            }
            #expect(descending == a.sorted().reversed())
            if let probe = a.first { #expect(setA.contains(probe)) }
            // Equal sets are equal values with equal bytes, whatever way they were made.
            let rebuilt = setA.union(setB).subtracting(AuditSeqSet(offsets: b.subtracting(a)))
            #expect(rebuilt == setA && rebuilt.serialized == setA.serialized)
            #expect(AuditSeqSet(serialized: setA.serialized) == setA)
        }
    }

    @Test func appendingInOrderBuildsTheSameSetAndSwitchesContainerAtTheLimit() {
        var built = AuditSeqSet()
        var offsets: [UInt16] = []
        for offset in stride(from: 0, to: 65_536, by: 7) {
            built.append(UInt16(offset))
            offsets.append(UInt16(offset))
            if offsets.count == AuditSeqSet.arrayLimit { #expect(built.serialized.count == 1 + 2 * AuditSeqSet.arrayLimit) }
            if offsets.count == AuditSeqSet.arrayLimit + 1 { #expect(built.serialized.count == 1 + 8_192) }
        }
        #expect(built == AuditSeqSet(offsets: offsets))
        var stopped: [UInt16] = []
        built.forEach(descending: false) {
            stopped.append($0)
            return stopped.count < 3
        }
        #expect(stopped == [0, 7, 14])
    }

    @Test func rangesAreTheChunksUniverse() {
        for range in [0..<0, 0..<1, 5..<70, 63..<64, 0..<4_096, 100..<4_197, 1..<65_536, 0..<65_536] {
            #expect(AuditSeqSet(range: range).offsets == range.map { UInt16($0) }, "\(range)")
        }
    }

    @Test func storedFormsThatAreNotCanonicalAreRefused() {
        #expect(AuditSeqSet(serialized: []) == nil)
        #expect(AuditSeqSet(serialized: [3]) == nil)
        #expect(AuditSeqSet(serialized: [1, 5, 0, 5, 0]) == nil, "offsets must increase")
        #expect(AuditSeqSet(serialized: [1, 5]) == nil, "offsets are 2 bytes")
        // A bitmap of a few offsets must have been an array.
        var bitmap = [UInt8](repeating: 0, count: 1 + 8_192)
        bitmap[0] = 2
        bitmap[1] = 0b1011
        #expect(AuditSeqSet(serialized: bitmap) == nil)
        #expect(AuditSeqSet(serialized: [1, 5, 0, 9, 0])?.offsets == [5, 9])
    }
}
