/// A set of events within one index chunk of 65,536 seqs, by their offset in the chunk
/// (``AuditIndexChunk``): a sorted array of 16-bit offsets while it holds at most 4,096 of them,
/// a 65,536-bit bitmap above that — the two containers of a Roaring bitmap. Intersections, unions
/// and differences work word by word on bitmaps and by merging on arrays; members come out in
/// either order, so a page newest first reads the set backwards.
///
/// ``serialized`` is canonical (the container follows from the count alone), so a stored set can
/// be compared byte for byte with one derived again from the events.
///
/// ```swift
/// var logins = AuditSeqSet(offsets: [3, 9, 12])
/// let failures = AuditSeqSet(offsets: [9, 12, 40])
/// logins.formIntersection(failures)      // {9, 12}
/// logins.forEach(descending: true) { offset in print(offset); return true }  // 12, 9
/// ```
public struct AuditSeqSet: Sendable, Hashable {
    /// Offsets per chunk.
    public static let capacity = 65_536
    /// The most offsets an array container holds (8 KiB, the size of a bitmap).
    public static let arrayLimit = 4_096
    static let wordCount = capacity / 64

    enum Storage: Sendable, Hashable {
        /// Strictly increasing offsets.
        case array([UInt16])
        /// `wordCount` words; bit `o % 64` of word `o / 64` is offset `o`.
        case bitmap([UInt64])
    }

    private(set) var storage: Storage
    /// The number of offsets in the set.
    public private(set) var count: Int

    /// The empty set.
    public init() {
        storage = .array([])
        count = 0
    }

    /// The set of `offsets`, in any order, duplicates ignored.
    public init(offsets: some Sequence<UInt16>) {
        var sorted = Array(offsets)
        sorted.sort()
        var unique: [UInt16] = []
        unique.reserveCapacity(sorted.count)
        for offset in sorted where unique.last != offset { unique.append(offset) }
        self.init(sortedUnique: unique)
    }

    /// Every offset in `range` (a chunk's universe: the seqs it holds).
    public init(range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= Self.capacity)
        if range.count <= Self.arrayLimit {
            self.init(sortedUnique: range.map { UInt16($0) })
            return
        }
        var words = [UInt64](repeating: 0, count: Self.wordCount)
        for index in (range.lowerBound / 64)...((range.upperBound - 1) / 64) {
            let low = max(range.lowerBound, index * 64) - index * 64
            let high = min(range.upperBound, index * 64 + 64) - index * 64
            let width = high - low
            words[index] = (width == 64 ? ~0 : ((1 << UInt64(width)) - 1)) << UInt64(low)
        }
        self.init(words: words, count: range.count)
    }

    init(sortedUnique offsets: [UInt16]) {
        count = offsets.count
        if offsets.count <= Self.arrayLimit {
            storage = .array(offsets)
        } else {
            var words = [UInt64](repeating: 0, count: Self.wordCount)
            for offset in offsets { words[Int(offset >> 6)] |= 1 << UInt64(offset & 63) }
            storage = .bitmap(words)
        }
    }

    init(words: [UInt64], count: Int) {
        self.count = count
        if count <= Self.arrayLimit {
            var offsets: [UInt16] = []
            offsets.reserveCapacity(count)
            Self.forEachBit(words, descending: false) {
                offsets.append($0)
                return true
            }
            storage = .array(offsets)
        } else {
            storage = .bitmap(words)
        }
    }

    public var isEmpty: Bool { count == 0 }

    public func contains(_ offset: UInt16) -> Bool {
        switch storage {
        case .array(let offsets): Self.search(offsets, offset).found
        case .bitmap(let words): words[Int(offset >> 6)] & (1 << UInt64(offset & 63)) != 0
        }
    }

    /// Adds `offset`, which must be at least every offset in the set (how a chunk is built: in
    /// seq order; the same offset again is ignored, so an event's repeated key counts once).
    public mutating func append(_ offset: UInt16) {
        switch storage {
        case .array(var offsets):
            if let last = offsets.last {
                if last == offset { return }
                precondition(last < offset, "offsets are appended in increasing order")
            }
            if offsets.count < Self.arrayLimit {
                storage = .array([])  // keep the buffer unique while it grows
                offsets.append(offset)
                storage = .array(offsets)
                count += 1
            } else {
                var words = [UInt64](repeating: 0, count: Self.wordCount)
                for existing in offsets { words[Int(existing >> 6)] |= 1 << UInt64(existing & 63) }
                words[Int(offset >> 6)] |= 1 << UInt64(offset & 63)
                storage = .bitmap(words)
                count += 1
            }
        case .bitmap(var words):
            storage = .array([])
            let bit: UInt64 = 1 << UInt64(offset & 63)
            if words[Int(offset >> 6)] & bit == 0 {
                words[Int(offset >> 6)] |= bit
                count += 1
            }
            storage = .bitmap(words)
        }
    }

    /// The 1,024 words of the set as a bitmap (arrays are expanded).
    var words: [UInt64] {
        switch storage {
        case .bitmap(let words): return words
        case .array(let offsets):
            var words = [UInt64](repeating: 0, count: Self.wordCount)
            for offset in offsets { words[Int(offset >> 6)] |= 1 << UInt64(offset & 63) }
            return words
        }
    }

    // MARK: Set operations

    /// The offsets in both sets.
    public func intersection(_ other: AuditSeqSet) -> AuditSeqSet {
        switch (storage, other.storage) {
        case (.array(let a), .array(let b)):
            return AuditSeqSet(sortedUnique: Self.intersect(a, b))
        case (.array(let a), .bitmap(let words)), (.bitmap(let words), .array(let a)):
            return AuditSeqSet(sortedUnique: a.filter { words[Int($0 >> 6)] & (1 << UInt64($0 & 63)) != 0 })
        case (.bitmap(let a), .bitmap(let b)):
            var out = [UInt64](repeating: 0, count: Self.wordCount)
            var total = 0
            for index in 0..<Self.wordCount {
                let word = a[index] & b[index]
                out[index] = word
                total += word.nonzeroBitCount
            }
            return AuditSeqSet(words: out, count: total)
        }
    }

    /// How many offsets both sets hold (without building the intersection).
    public func intersectionCount(_ other: AuditSeqSet) -> Int {
        switch (storage, other.storage) {
        case (.array(let a), .array(let b)):
            return Self.intersect(a, b).count
        case (.array(let a), .bitmap(let words)), (.bitmap(let words), .array(let a)):
            var count = 0
            for offset in a where words[Int(offset >> 6)] & (1 << UInt64(offset & 63)) != 0 { count += 1 }
            return count
        case (.bitmap(let a), .bitmap(let b)):
            var count = 0
            for index in 0..<Self.wordCount { count += (a[index] & b[index]).nonzeroBitCount }
            return count
        }
    }

    /// How many offsets are both in this set and in the bitmap `words` (``words`` of another
    /// set): counting many sets against one costs one bit test per member, with no allocation.
    func intersectionCount(words other: [UInt64]) -> Int {
        switch storage {
        case .array(let a):
            var count = 0
            for offset in a where other[Int(offset >> 6)] & (1 << UInt64(offset & 63)) != 0 { count += 1 }
            return count
        case .bitmap(let a):
            var count = 0
            for index in 0..<Self.wordCount { count += (a[index] & other[index]).nonzeroBitCount }
            return count
        }
    }

    /// The offsets in either set.
    public func union(_ other: AuditSeqSet) -> AuditSeqSet {
        if isEmpty { return other }
        if other.isEmpty { return self }
        if case .array(let a) = storage, case .array(let b) = other.storage, a.count + b.count <= Self.arrayLimit {
            return AuditSeqSet(sortedUnique: Self.merge(a, b))
        }
        var out = words
        var total = 0
        switch other.storage {
        case .array(let b):
            for offset in b { out[Int(offset >> 6)] |= 1 << UInt64(offset & 63) }
            for word in out { total += word.nonzeroBitCount }
        case .bitmap(let b):
            for index in 0..<Self.wordCount {
                out[index] |= b[index]
                total += out[index].nonzeroBitCount
            }
        }
        return AuditSeqSet(words: out, count: total)
    }

    /// The offsets in this set and not in `other`.
    public func subtracting(_ other: AuditSeqSet) -> AuditSeqSet {
        if isEmpty || other.isEmpty { return self }
        switch (storage, other.storage) {
        case (.array(let a), _):
            return AuditSeqSet(sortedUnique: a.filter { !other.contains($0) })
        case (.bitmap(let a), .array(let b)):
            var out = a
            var total = count
            for offset in b {
                let bit: UInt64 = 1 << UInt64(offset & 63)
                if out[Int(offset >> 6)] & bit != 0 {
                    out[Int(offset >> 6)] &= ~bit
                    total -= 1
                }
            }
            return AuditSeqSet(words: out, count: total)
        case (.bitmap(let a), .bitmap(let b)):
            var out = [UInt64](repeating: 0, count: Self.wordCount)
            var total = 0
            for index in 0..<Self.wordCount {
                let word = a[index] & ~b[index]
                out[index] = word
                total += word.nonzeroBitCount
            }
            return AuditSeqSet(words: out, count: total)
        }
    }

    // MARK: Members in order

    /// Calls `body` with each offset, ascending or descending, until it returns false.
    public func forEach(descending: Bool, _ body: (UInt16) -> Bool) {
        switch storage {
        case .array(let offsets):
            if descending {
                for offset in offsets.reversed() where !body(offset) { return }
            } else {
                for offset in offsets where !body(offset) { return }
            }
        case .bitmap(let words):
            Self.forEachBit(words, descending: descending, body)
        }
    }

    /// The offsets, ascending.
    public var offsets: [UInt16] {
        var out: [UInt16] = []
        out.reserveCapacity(count)
        forEach(descending: false) {
            out.append($0)
            return true
        }
        return out
    }

    static func forEachBit(_ words: [UInt64], descending: Bool, _ body: (UInt16) -> Bool) {
        if descending {
            for index in stride(from: words.count - 1, through: 0, by: -1) {
                var word = words[index]
                while word != 0 {
                    let bit = 63 - word.leadingZeroBitCount
                    if !body(UInt16(index * 64 + bit)) { return }
                    word &= ~(1 << UInt64(bit))
                }
            }
        } else {
            for index in 0..<words.count {
                var word = words[index]
                while word != 0 {
                    let bit = word.trailingZeroBitCount
                    if !body(UInt16(index * 64 + bit)) { return }
                    word &= word - 1
                }
            }
        }
    }

    // MARK: Sorted-array helpers

    static func search(_ offsets: [UInt16], _ offset: UInt16) -> (found: Bool, index: Int) {
        var low = 0
        var high = offsets.count
        while low < high {
            let middle = (low + high) / 2
            if offsets[middle] < offset { low = middle + 1 } else { high = middle }
        }
        return (low < offsets.count && offsets[low] == offset, low)
    }

    static func intersect(_ a: [UInt16], _ b: [UInt16]) -> [UInt16] {
        let (small, large) = a.count <= b.count ? (a, b) : (b, a)
        var out: [UInt16] = []
        out.reserveCapacity(small.count)
        if small.count * 16 < large.count {
            // Galloping: binary search of each small member in what is left of the large one.
            var start = 0
            for offset in small {
                var low = start
                var high = large.count
                while low < high {
                    let middle = (low + high) / 2
                    if large[middle] < offset { low = middle + 1 } else { high = middle }
                }
                if low < large.count, large[low] == offset { out.append(offset) }
                start = low
                if start == large.count { break }
            }
            return out
        }
        var i = 0
        var j = 0
        while i < small.count, j < large.count {
            if small[i] == large[j] {
                out.append(small[i])
                i += 1
                j += 1
            } else if small[i] < large[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return out
    }

    static func merge(_ a: [UInt16], _ b: [UInt16]) -> [UInt16] {
        var out: [UInt16] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] < b[j]) {
                out.append(a[i])
                i += 1
            } else if i == a.count || b[j] < a[i] {
                out.append(b[j])
                j += 1
            } else {
                out.append(a[i])
                i += 1
                j += 1
            }
        }
        return out
    }
}
