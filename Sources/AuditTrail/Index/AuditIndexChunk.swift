/// How the index divides the log into chunks: chunk `c` holds seqs `c·size + 1 … (c+1)·size`, and
/// a seq's offset in its chunk is a 16-bit number (``AuditSeqSet``). Stores use 65,536 seqs per
/// chunk (``standard``); tests use small chunks to cross many boundaries with few events.
public struct AuditIndexGeometry: Sendable, Hashable {
    /// log2 of the seqs per chunk, 0…16.
    public let shift: Int

    public init(shift: Int) {
        precondition((0...16).contains(shift), "a chunk holds at most 65,536 seqs")
        self.shift = shift
    }

    /// 65,536 seqs per chunk.
    public static let standard = AuditIndexGeometry(shift: 16)

    /// Chunks per span: a span's rollup (the merge of its chunks') lets stats over a long range
    /// add one rollup per 16 chunks. Span `s` holds chunks `16·s … 16·s + 15`.
    public static let spanChunks = 16

    /// The chunks of `span`.
    public static func chunks(ofSpan span: Int64) -> ClosedRange<Int64> {
        (span * Int64(spanChunks))...(span * Int64(spanChunks) + Int64(spanChunks) - 1)
    }

    /// Seqs per chunk.
    public var size: Int64 { 1 << Int64(shift) }

    /// The chunk holding `seq` (≥ 1).
    public func chunk(_ seq: Int64) -> Int64 { (seq - 1) >> Int64(shift) }

    /// `seq`'s offset in its chunk.
    public func offset(_ seq: Int64) -> UInt16 { UInt16(truncatingIfNeeded: (seq - 1) & (size - 1)) }

    /// The seq at `offset` of `chunk`.
    public func seq(_ chunk: Int64, _ offset: UInt16) -> Int64 { chunk << Int64(shift) + Int64(offset) + 1 }

    /// The seqs `chunk` can hold.
    public func seqs(_ chunk: Int64) -> ClosedRange<Int64> { (chunk << Int64(shift) + 1)...((chunk + 1) << Int64(shift)) }
}

/// The index of one chunk, as it is built in seq order — in memory for the newest chunk, and to
/// check or rebuild a stored chunk: the set of each key, the events present (retention removes a
/// prefix), and each event's time (for `since`, `until` and `time:` terms, which are ranges).
public struct AuditChunkIndex: Sendable, Equatable {
    public let chunk: Int64
    public let geometry: AuditIndexGeometry
    /// The keys and the events of each (``AuditChunkPostings``: one table, no object per key).
    private var postings = AuditChunkPostings()
    /// The offsets of the events the chunk holds.
    public private(set) var present = AuditSeqSet()
    /// The event time (ms) at each offset up to the last present one; meaningless where absent.
    public private(set) var times: [Int64] = []
    /// The newest seq added, or nil.
    public private(set) var lastSeq: Int64?
    /// The smallest and largest event time in the chunk.
    public private(set) var timeBounds: ClosedRange<Int64>?

    public init(chunk: Int64, geometry: AuditIndexGeometry = .standard) {
        self.chunk = chunk
        self.geometry = geometry
    }

    /// Adds the event at `seq`, which must belong to this chunk and follow every seq added.
    public mutating func add(seq: Int64, event: AuditEvent) {
        precondition(geometry.chunk(seq) == chunk, "seq \(seq) is not in chunk \(chunk)")
        precondition(lastSeq.map { seq > $0 } ?? true, "seqs are added in increasing order")
        let offset = geometry.offset(seq)
        AuditIndexTerms.forEachKeyBytes(of: event) { kind, value in postings.add(kind.rawValue, value, offset: offset) }
        present.append(offset)
        let time = event.time.milliseconds
        if times.count <= Int(offset) { times.append(contentsOf: repeatElement(Int64.min, count: Int(offset) + 1 - times.count)) }
        times[Int(offset)] = time
        timeBounds = timeBounds.map { min($0.lowerBound, time)...max($0.upperBound, time) } ?? time...time
        lastSeq = seq
    }

    /// The number of distinct keys.
    public var keyCount: Int { postings.entries.count }

    /// The events of `key`, or nil when none has it.
    public func set(_ key: AuditIndexKey) -> AuditSeqSet? { postings.find(key).map(postings.set) }

    /// Every set of `kinds`.
    public func sets(of kinds: [AuditIndexKey.Kind]) -> [AuditIndexKey: AuditSeqSet] {
        var out: [AuditIndexKey: AuditSeqSet] = [:]
        forEachEntry(of: kinds) { out[postings.key($0)] = postings.set($0) }
        return out
    }

    /// How many events hold each key of `kinds` (``sets(of:)``'s counts, without the sets).
    public func counts(of kinds: [AuditIndexKey.Kind]) -> [AuditIndexKey: Int] {
        var out: [AuditIndexKey: Int] = [:]
        forEachEntry(of: kinds) { out[postings.key($0)] = Int(postings.entries[$0].count) }
        return out
    }

    private func forEachEntry(of kinds: [AuditIndexKey.Kind], _ body: (Int) -> Void) {
        for kind in Set(kinds) {
            for entry in postings.entriesOfKind[Int(kind.rawValue)] { body(Int(entry)) }
        }
    }

    /// The keys of `kind` whose value starts with `prefix` (byte-wise).
    public func keys(_ kind: AuditIndexKey.Kind, prefix: String) -> [AuditIndexKey] {
        var out: [AuditIndexKey] = []
        AuditIndexKey.withBytes(prefix) { prefix in
            forEachEntry(of: [kind]) { entry in
                if postings.withValue(entry, { $0.starts(with: prefix) }) { out.append(postings.key(entry)) }
            }
        }
        return out
    }

    /// What a search reads of this chunk (``AuditIndexSource/read(chunk:keys:times:)``).
    public func read(keys: [AuditIndexKey], times: Bool) -> AuditChunkRead {
        var sets: [AuditIndexKey: AuditSeqSet] = [:]
        for key in keys { sets[key] = set(key) }
        return AuditChunkRead(sets: sets, present: present, timeBounds: timeBounds, times: times ? self.times : nil)
    }

    /// The keys, in ``AuditIndexKey`` order (how a store writes them).
    public var sortedKeys: [AuditIndexKey] { sortedEntries.map(postings.key) }

    /// Every key with its set, in ``AuditIndexKey`` order: how a store writes a chunk.
    public var sortedSets: [(key: AuditIndexKey, set: AuditSeqSet)] {
        sortedEntries.map { (postings.key($0), postings.set($0)) }
    }

    /// Calls `body` with each row a store writes for this chunk, in ``AuditIndexKey`` order: the
    /// kind, the row's key (value bytes) and its `events` — a key's stored set
    /// (``AuditSeqSet/serialized``), or, for a run of keys held by few events, a packed row
    /// (``AuditPackedSets``) keyed by the run's first value. No string or set is made per key.
    /// The bytes are valid only during the call.
    public func forEachStoredRow(
        _ body: (AuditIndexKey.Kind, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        var events: [UInt8] = []
        var packed: [UInt8] = [AuditPackedSets.tag]
        var first = -1
        var packedKeys = 0
        func writePacked() throws {
            guard packedKeys > 0 else { return }
            let kind = AuditIndexKey.Kind(rawValue: postings.entries[first].kind)!
            try postings.withValue(first) { value in try packed.withUnsafeBufferPointer { try body(kind, value, $0) } }
            packed.removeAll(keepingCapacity: true)
            packed.append(AuditPackedSets.tag)
            packedKeys = 0
        }
        for entry in sortedEntries {
            let item = postings.entries[entry]
            if packedKeys > 0, postings.entries[first].kind != item.kind { try writePacked() }
            if Int(item.count) <= AuditPackedSets.setLimit {
                if packedKeys == 0 { first = entry }
                postings.withValue(entry) { value in
                    AuditPackedSets.append(value: value, count: Int(item.count), to: &packed) { postings.forEachOffset(entry, $0) }
                }
                packedKeys += 1
                if packedKeys == AuditPackedSets.keysPerRow { try writePacked() }
            } else {
                try writePacked()
                postings.serializedSet(entry, into: &events)
                let kind = AuditIndexKey.Kind(rawValue: item.kind)!
                try postings.withValue(entry) { value in try events.withUnsafeBufferPointer { try body(kind, value, $0) } }
            }
        }
        try writePacked()
    }

    /// The entries in ``AuditIndexKey`` order. Sorted a kind at a time by eight bytes of the
    /// value at a time as one integer — the first eight, then, within a run that ties, the next
    /// eight, and so on — so that the sort compares integers only, never strings; a chunk holds
    /// ~250,000 keys, and sorting them by ``AuditIndexKey/<`` was a third of writing it (address
    /// keys share their first 28 bytes).
    private var sortedEntries: [Int] {
        var out: [Int] = []
        out.reserveCapacity(postings.entries.count)
        for entries in postings.entriesOfKind where !entries.isEmpty {
            var order = entries.map { entry in postings.withValue(Int(entry)) { SortItem($0, window: 0, index: Int(entry)) } }
            Self.sort(&order, 0..<order.count, window: 0) { entry, window in postings.withValue(entry) { SortItem($0, window: window, index: entry) }
            }
            for item in order { out.append(Int(item.index)) }
        }
        return out
    }

    public static func == (a: AuditChunkIndex, b: AuditChunkIndex) -> Bool {
        guard a.chunk == b.chunk, a.geometry == b.geometry, a.present == b.present, a.times == b.times, a.lastSeq == b.lastSeq,
            a.timeBounds == b.timeBounds, a.keyCount == b.keyCount
        else { return false }
        return a.sortedSets.elementsEqual(b.sortedSets) { $0.key == $1.key && $0.set == $1.set }
    }

    /// A key in ``sortedEntries``'s sort: eight bytes of its value at one window, and how many of
    /// its bytes lie in the window (9: more follow).
    struct SortItem {
        var prefix: UInt64
        var rest: UInt8
        var index: Int32

        init(_ value: UnsafeBufferPointer<UInt8>, window: Int, index: Int) {
            (prefix, rest) = AuditChunkIndex.prefix(value, at: window * 8)
            self.index = Int32(index)
        }

        /// Byte order within the window: a value that ends in it comes before one that goes on
        /// with zero bytes (equal prefix and rest below 9 means equal values, which a kind's keys
        /// never are).
        static func precedes(_ a: SortItem, _ b: SortItem) -> Bool { a.prefix != b.prefix ? a.prefix < b.prefix : a.rest < b.rest }
    }

    /// Sorts `range` of `order` by the window, then each run that ties and goes on by the next
    /// (`item` gives an entry's item at a window).
    static func sort(_ order: inout [SortItem], _ range: Range<Int>, window: Int, item: (Int, Int) -> SortItem) {
        order[range].sort(by: SortItem.precedes)
        var start = range.lowerBound
        while start < range.upperBound {
            var end = start + 1
            while end < range.upperBound, order[end].prefix == order[start].prefix, order[end].rest == order[start].rest { end += 1 }
            if end - start > 1, order[start].rest == 9 {
                for position in start..<end { order[position] = item(Int(order[position].index), window + 1) }
                sort(&order, start..<end, window: window + 1, item: item)
            }
            start = end
        }
    }

    /// The eight UTF-8 bytes of `value` from `offset`, big-endian, zero-padded: ordered as the
    /// bytes are; and how many of them the value has (9 when more follow).
    static func prefix(_ value: String, at offset: Int) -> (prefix: UInt64, rest: UInt8) {
        AuditIndexKey.withBytes(value) { prefix($0, at: offset) }
    }

    static func prefix(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> (prefix: UInt64, rest: UInt8) {
        var prefix: UInt64 = 0
        for index in offset..<(offset + 8) { prefix = prefix << 8 | UInt64(index < bytes.count ? bytes[index] : 0) }
        return (prefix, UInt8(max(0, min(9, bytes.count - offset))))
    }

    /// The time column as stored: 8 bytes little-endian per offset up to the last present one.
    public var serializedTimes: [UInt8] {
        var out = AuditBinaryWriter(capacity: times.count * 8)
        for time in times { out.i64(time) }
        return out.bytes
    }

    /// A time column from its stored form, or nil when the byte count is not a multiple of 8.
    public static func times(serialized bytes: some Collection<UInt8>) -> [Int64]? {
        var reader = AuditBinaryReader(bytes)
        guard reader.remaining % 8 == 0 else { return nil }
        var out: [Int64] = []
        out.reserveCapacity(reader.remaining / 8)
        while let time = reader.i64() { out.append(time) }
        return out
    }

    /// The chunk's precomputed aggregates (``AuditChunkRollup``).
    public var rollup: AuditChunkRollup { AuditChunkRollup(self) }
}
