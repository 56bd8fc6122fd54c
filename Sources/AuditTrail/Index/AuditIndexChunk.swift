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
public struct AuditChunkIndex: Sendable, Hashable {
    public let chunk: Int64
    public let geometry: AuditIndexGeometry
    /// The events of each key, by kind's raw value (so that a kind's keys are read without the
    /// others, and a key costs one hash look-up).
    private var kinds = [[AuditIndexKey: AuditSeqSet]](repeating: [:], count: Int(AuditIndexKey.Kind.allCases.map(\.rawValue).max()!) + 1)
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
        AuditIndexTerms.forEachKey(of: event) { key in kinds[Int(key.kind.rawValue)][key, default: AuditSeqSet()].append(offset) }
        present.append(offset)
        let time = event.time.milliseconds
        if times.count <= Int(offset) { times.append(contentsOf: repeatElement(Int64.min, count: Int(offset) + 1 - times.count)) }
        times[Int(offset)] = time
        timeBounds = timeBounds.map { min($0.lowerBound, time)...max($0.upperBound, time) } ?? time...time
        lastSeq = seq
    }

    /// The events of `key`, or nil when none has it.
    public func set(_ key: AuditIndexKey) -> AuditSeqSet? { kinds[Int(key.kind.rawValue)][key] }

    /// Every set of `kinds`.
    public func sets(of kinds: [AuditIndexKey.Kind]) -> [AuditIndexKey: AuditSeqSet] {
        if kinds.count == 1 { return self.kinds[Int(kinds[0].rawValue)] }
        var out: [AuditIndexKey: AuditSeqSet] = [:]
        for kind in kinds { out.merge(self.kinds[Int(kind.rawValue)]) { a, _ in a } }
        return out
    }

    /// The keys of `kind` whose value starts with `prefix` (byte-wise).
    public func keys(_ kind: AuditIndexKey.Kind, prefix: String) -> [AuditIndexKey] {
        kinds[Int(kind.rawValue)].keys.filter { $0.value.utf8.starts(with: prefix.utf8) }
    }

    /// What a search reads of this chunk (``AuditIndexSource/read(chunk:keys:times:)``).
    public func read(keys: [AuditIndexKey], times: Bool) -> AuditChunkRead {
        var sets: [AuditIndexKey: AuditSeqSet] = [:]
        for key in keys { sets[key] = set(key) }
        return AuditChunkRead(sets: sets, present: present, timeBounds: timeBounds, times: times ? self.times : nil)
    }

    /// The keys, in ``AuditIndexKey`` order (how a store writes them).
    public var sortedKeys: [AuditIndexKey] { sortedSets.map(\.key) }

    /// Every key with its set, in ``AuditIndexKey`` order: how a store writes a chunk. Sorted a
    /// kind at a time (the kinds are held by raw value, so in order) by eight bytes of the value
    /// at a time as one integer — the first eight, then, within a run that ties, the next eight,
    /// and so on — so that the sort compares integers only, never strings, and no key is hashed
    /// again; a chunk holds ~250,000 keys, and sorting them by ``AuditIndexKey/<`` was a third of
    /// writing it (address keys share their first 28 bytes).
    public var sortedSets: [(key: AuditIndexKey, set: AuditSeqSet)] {
        var out: [(key: AuditIndexKey, set: AuditSeqSet)] = []
        out.reserveCapacity(kinds.reduce(0) { $0 + $1.count })
        for sets in kinds where !sets.isEmpty {
            let entries = Array(sets)
            var order = entries.indices.map { SortItem(entries[$0].key.value, window: 0, index: $0) }
            Self.sort(&order, 0..<order.count, window: 0) { entries[$0].key.value }
            for item in order { out.append((entries[Int(item.index)].key, entries[Int(item.index)].value)) }
        }
        return out
    }

    /// A key in ``sortedSets``'s sort: eight bytes of its value at one window, and how many of
    /// its bytes lie in the window (9: more follow).
    struct SortItem {
        var prefix: UInt64
        var rest: UInt8
        var index: Int32

        init(_ value: String, window: Int, index: Int) {
            (prefix, rest) = AuditChunkIndex.prefix(value, at: window * 8)
            self.index = Int32(index)
        }

        /// Byte order within the window: a value that ends in it comes before one that goes on
        /// with zero bytes (equal prefix and rest below 9 means equal values, which a kind's keys
        /// never are).
        static func precedes(_ a: SortItem, _ b: SortItem) -> Bool { a.prefix != b.prefix ? a.prefix < b.prefix : a.rest < b.rest }
    }

    /// Sorts `range` of `order` by the window, then each run that ties and goes on by the next.
    static func sort(_ order: inout [SortItem], _ range: Range<Int>, window: Int, value: (Int) -> String) {
        order[range].sort(by: SortItem.precedes)
        var start = range.lowerBound
        while start < range.upperBound {
            var end = start + 1
            while end < range.upperBound, order[end].prefix == order[start].prefix, order[end].rest == order[start].rest { end += 1 }
            if end - start > 1, order[start].rest == 9 {
                for position in start..<end {
                    order[position] = SortItem(value(Int(order[position].index)), window: window + 1, index: Int(order[position].index))
                }
                sort(&order, start..<end, window: window + 1, value: value)
            }
            start = end
        }
    }

    /// The eight UTF-8 bytes of `value` from `offset`, big-endian, zero-padded: ordered as the
    /// bytes are; and how many of them the value has (9 when more follow).
    static func prefix(_ value: String, at offset: Int) -> (prefix: UInt64, rest: UInt8) {
        AuditIndexKey.withBytes(value) { bytes in
            var prefix: UInt64 = 0
            for index in offset..<(offset + 8) { prefix = prefix << 8 | UInt64(index < bytes.count ? bytes[index] : 0) }
            return (prefix, UInt8(max(0, min(9, bytes.count - offset))))
        }
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
