#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The keys of one chunk being built and the offsets of each (``AuditChunkIndex``'s postings):
/// every key's bytes in one buffer, found through one open-addressing table, and every key's
/// offsets in blocks of one shared array — no object, string or array per key.
///
/// A chunk holds ~250,000 keys, most of them seen once (words, ids, addresses). Held as a
/// `[AuditIndexKey: AuditSeqSet]`, each new key cost a string, an array and a SipHash, and each
/// key of each event a SipHash and a probe through `String`'s machinery: ~40 % of indexing an
/// event. The hash here is a multiply-mix over eight bytes at a time, seeded at random per
/// process (a producer cannot choose values that collide without the seed).
struct AuditChunkPostings: Sendable {
    struct Entry: Sendable {
        /// The key's value: `bytes[start..<start + length]`.
        var start: UInt32
        var length: UInt32
        var hash: UInt64
        /// Offsets held (distinct: an event's repeated key counts once).
        var count: UInt32
        /// The first and last block of offsets after the first (-1: none).
        var head: Int32
        var tail: Int32
        /// Past ``AuditSeqSet/arrayLimit`` offsets: the key's bitmap in ``words`` (its first
        /// word's index / ``AuditSeqSet/wordCount``), which then holds every offset; else -1.
        var dense: Int32
        var first: UInt16
        var last: UInt16
        var kind: UInt8
    }

    /// Offsets per block: the first offset of a key is held in its entry, the rest in blocks.
    static let blockSize = 8

    private(set) var entries: [Entry] = []
    /// The entries of each kind (by raw value), in the order they were added: a kind's keys are
    /// read (stats, prefixes, a store's write) without going over the others.
    private(set) var entriesOfKind = [[Int32]](repeating: [], count: 256)
    /// The keys' values, one after another.
    private(set) var bytes: [UInt8] = []
    /// Open addressing, linear probing: the entry's index, or -1. At most half full.
    private var slots = [Int32](repeating: -1, count: 1_024)
    /// ``blockSize`` offsets per block.
    private var blocks: [UInt16] = []
    /// The block after each block, or -1.
    private var next: [Int32] = []
    /// The bitmaps of the keys held by more than ``AuditSeqSet/arrayLimit`` events (a few per
    /// chunk: actions, outcomes, common words), so that a search of the chunk in memory copies
    /// such a set instead of rebuilding it offset by offset.
    private var words: [UInt64] = []

    /// The hash's seed, random per process.
    static let seed = UInt64.random(in: .min ... .max)

    init() {}

    /// Adds `offset` to the key (`kind`, `value`); `offset` must be at least every offset added
    /// before (the same offset again is ignored).
    mutating func add(_ kind: UInt8, _ value: UnsafeBufferPointer<UInt8>, offset: UInt16) {
        let hash = Self.hash(kind, value)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let found = slots[slot]
            if found < 0 { break }
            if matches(Int(found), kind, value, hash) {
                append(offset, to: Int(found))
                return
            }
            slot = (slot + 1) & mask
        }
        precondition(bytes.count + value.count <= Int(UInt32.max), "a chunk's keys exceed 4 GiB")
        slots[slot] = Int32(entries.count)
        entriesOfKind[Int(kind)].append(Int32(entries.count))
        entries.append(
            Entry(
                start: UInt32(bytes.count),
                length: UInt32(value.count),
                hash: hash,
                count: 1,
                head: -1,
                tail: -1,
                dense: -1,
                first: offset,
                last: offset,
                kind: kind
            )
        )
        bytes.append(contentsOf: value)
        if entries.count * 2 > slots.count { grow() }
    }

    /// The entry of the key (`kind`, `value`), or nil.
    func find(_ kind: UInt8, _ value: UnsafeBufferPointer<UInt8>) -> Int? {
        let hash = Self.hash(kind, value)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 {
            if matches(Int(slots[slot]), kind, value, hash) { return Int(slots[slot]) }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// The entry of `key`, or nil.
    func find(_ key: AuditIndexKey) -> Int? {
        AuditIndexKey.withBytes(key.value) { find(key.kind.rawValue, $0) }
    }

    /// The key of an entry.
    func key(_ entry: Int) -> AuditIndexKey {
        AuditIndexKey(AuditIndexKey.Kind(rawValue: entries[entry].kind)!, value(entry))
    }

    /// An entry's value.
    func value(_ entry: Int) -> String {
        let start = Int(entries[entry].start)
        return bytes.withUnsafeBufferPointer { all in
            String(decoding: UnsafeBufferPointer(rebasing: all[start..<(start + Int(entries[entry].length))]), as: UTF8.self)
        }
    }

    /// Calls `body` with an entry's value bytes.
    func withValue<R>(_ entry: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let start = Int(entries[entry].start)
        return try bytes.withUnsafeBufferPointer { all in try body(UnsafeBufferPointer(rebasing: all[start..<(start + Int(entries[entry].length))])) }
    }

    /// An entry's offsets as a set.
    func set(_ entry: Int) -> AuditSeqSet {
        let item = entries[entry]
        if item.dense >= 0 {
            let base = Int(item.dense) * AuditSeqSet.wordCount
            return AuditSeqSet(words: Array(words[base..<(base + AuditSeqSet.wordCount)]), count: Int(item.count))
        }
        var offsets: [UInt16] = []
        offsets.reserveCapacity(Int(item.count))
        forEachOffset(entry) { offsets.append($0) }
        return AuditSeqSet(sortedUnique: offsets)
    }

    /// Replaces `out` with the stored form of an entry's set (``AuditSeqSet/serialized``),
    /// without building the set when it is an array container (most are).
    func serializedSet(_ entry: Int, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        guard Int(entries[entry].count) <= AuditSeqSet.arrayLimit else {
            out += set(entry).serialized
            return
        }
        AuditSeqSet.appendSerialized(count: Int(entries[entry].count), into: &out) { forEachOffset(entry, $0) }
    }

    /// Calls `body` with the offsets of an entry that is not dense, ascending.
    @inline(__always)
    func forEachOffset(_ entry: Int, _ body: (UInt16) -> Void) {
        let item = entries[entry]
        precondition(item.dense < 0)
        body(item.first)
        var block = item.head
        var left = Int(item.count) - 1
        while block >= 0, left > 0 {
            let base = Int(block) * Self.blockSize
            for index in 0..<min(left, Self.blockSize) { body(blocks[base + index]) }
            left -= Self.blockSize
            block = next[Int(block)]
        }
    }

    private func matches(_ entry: Int, _ kind: UInt8, _ value: UnsafeBufferPointer<UInt8>, _ hash: UInt64) -> Bool {
        let item = entries[entry]
        guard item.hash == hash, item.kind == kind, Int(item.length) == value.count else { return false }
        guard let base = value.baseAddress, value.count > 0 else { return true }
        return bytes.withUnsafeBufferPointer { all in memcmp(all.baseAddress! + Int(item.start), base, value.count) == 0 }
    }

    private mutating func append(_ offset: UInt16, to entry: Int) {
        let item = entries[entry]
        if item.last == offset { return }
        precondition(item.last < offset, "offsets are added in increasing order")
        if item.dense < 0, Int(item.count) == AuditSeqSet.arrayLimit {
            // One more makes a bitmap: the offsets so far move to one.
            let dense = words.count / AuditSeqSet.wordCount
            words.append(contentsOf: repeatElement(0, count: AuditSeqSet.wordCount))
            let base = dense * AuditSeqSet.wordCount
            forEachOffset(entry) { words[base + Int($0 >> 6)] |= 1 << UInt64($0 & 63) }
            entries[entry].dense = Int32(dense)
        }
        if entries[entry].dense >= 0 {
            words[Int(entries[entry].dense) * AuditSeqSet.wordCount + Int(offset >> 6)] |= 1 << UInt64(offset & 63)
            entries[entry].count = item.count + 1
            entries[entry].last = offset
            return
        }
        let position = Int(item.count - 1) % Self.blockSize
        var tail = item.tail
        if position == 0 {
            let block = Int32(next.count)
            blocks.append(contentsOf: repeatElement(0, count: Self.blockSize))
            next.append(-1)
            if tail >= 0 { next[Int(tail)] = block } else { entries[entry].head = block }
            tail = block
            entries[entry].tail = block
        }
        blocks[Int(tail) * Self.blockSize + position] = offset
        entries[entry].count = item.count + 1
        entries[entry].last = offset
    }

    private mutating func grow() {
        let size = slots.count * 2
        var grown = [Int32](repeating: -1, count: size)
        let mask = size - 1
        for (index, entry) in entries.enumerated() {
            var slot = Int(truncatingIfNeeded: entry.hash) & mask
            while grown[slot] >= 0 { slot = (slot + 1) & mask }
            grown[slot] = Int32(index)
        }
        slots = grown
    }

    /// A multiply-mix hash of the kind and the value, eight bytes at a time.
    @inline(__always)
    static func hash(_ kind: UInt8, _ value: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var state = seed ^ (UInt64(kind) << 56) ^ UInt64(value.count)
        let raw = UnsafeRawBufferPointer(value)
        var index = 0
        while index + 8 <= raw.count {
            state = mix(state ^ raw.loadUnaligned(fromByteOffset: index, as: UInt64.self), 0x9E37_79B9_7F4A_7C15)
            index += 8
        }
        if index < raw.count {
            var word: UInt64 = 0
            for shift in 0..<(raw.count - index) { word |= UInt64(raw[index + shift]) << UInt64(shift * 8) }
            state = mix(state ^ word, 0xBF58_476D_1CE4_E5B9)
        }
        return mix(state, 0x94D0_49BB_1331_11EB)
    }

    @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }
}
