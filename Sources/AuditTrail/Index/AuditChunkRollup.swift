/// A chunk's aggregates, derived when the chunk is indexed, so that stats over whole chunks add
/// a few numbers per chunk instead of counting events: the events per minute of event time, the
/// events per action, category, outcome and severity, and the events per actor (with each
/// actor's 64-bit hash, so that actors are counted and grouped across chunks by numbers).
///
/// Stats use a rollup only for a chunk that every matching event covers whole (no filter but
/// time, and the chunk's times inside the range) and that retention has not cut; everything else
/// is counted from the sets. Like the sets, a rollup is derived from the canonical bytes alone and
/// its stored form (``serialized``) is canonical, so `verify --indexes` compares it byte for byte.
public struct AuditChunkRollup: Sendable, Hashable {
    /// One actor's events in the chunk.
    public struct Actor: Sendable, Hashable {
        public var id: String
        public var count: Int64
        /// ``AuditChunkRollup/actorHash(_:)`` of the id.
        public let hash: UInt64

        public init(id: String, count: Int64) {
            self.id = id
            self.count = count
            self.hash = AuditChunkRollup.actorHash(id)
        }
    }

    /// Events in one minute of event time.
    public struct Minute: Sendable, Hashable {
        /// The minute's first millisecond (``AuditStats/binStart(_:width:)``).
        public var start: Int64
        public var count: Int64
    }

    /// The kinds whose per-value counts a rollup keeps (few values each).
    public static let countedKinds: [AuditIndexKey.Kind] = [.action, .category, .outcome, .severity]

    /// The events of the chunk when it was indexed.
    public var events: Int64
    /// Non-empty minutes, oldest first.
    public var minutes: [Minute]
    /// Events per key of ``countedKinds``.
    public var counts: [AuditIndexKey: Int64]
    /// Each distinct `actor.id` with its events, in the ids' byte order.
    public var actors: [Actor]
    /// Each offset's actor, as its position in ``actors`` plus one (0: no actor), in
    /// ``actorColumnWidth`` bytes little-endian per offset, up to the last event: stats over a
    /// filtered part of the chunk count actors by reading the matching offsets, without reading
    /// 10,000 actors' sets.
    public var actorColumn: [UInt8]
    /// 1, 2 or 4 bytes per offset, the fewest that hold ``actors``' count.
    public var actorColumnWidth: Int { Self.width(actors.count) }

    public init(events: Int64, minutes: [Minute], counts: [AuditIndexKey: Int64], actors: [Actor], actorColumn: [UInt8]) {
        self.events = events
        self.minutes = minutes
        self.counts = counts
        self.actors = actors
        self.actorColumn = actorColumn
    }

    static func width(_ actors: Int) -> Int { actors < 255 ? 1 : actors < 65_535 ? 2 : 4 }

    /// The position in ``actors`` of the actor of the event at `offset`, or nil.
    @inline(__always)
    public func actorIndex(at offset: UInt16) -> Int? {
        let width = actorColumnWidth
        let start = Int(offset) * width
        guard start + width <= actorColumn.count else { return nil }
        var value = 0
        for byte in 0..<width { value |= Int(actorColumn[start + byte]) << (byte * 8) }
        return value == 0 ? nil : value - 1
    }

    /// The rollup of an indexed chunk. `canonical` (the stored form) lists the actors in the ids'
    /// byte order; without it (a chunk still in memory, never stored) they come in any order,
    /// which spares sorting thousands of ids at every stats request while the chunk grows.
    public init(_ index: AuditChunkIndex, canonical: Bool = true) {
        var minutes: [Int64: Int64] = [:]
        let times = index.times
        index.present.forEach(descending: false) { offset in
            minutes[AuditStats.binStart(times[Int(offset)], width: AuditStats.Bucket.minute.milliseconds), default: 0] += 1
            return true
        }
        var counts: [AuditIndexKey: Int64] = [:]
        for (key, count) in index.counts(of: Self.countedKinds) { counts[key] = Int64(count) }
        let actorSets = canonical ? index.sets(of: [.actor]).sorted { $0.key < $1.key } : Array(index.sets(of: [.actor]))
        let width = Self.width(actorSets.count)
        var column = [UInt8](repeating: 0, count: index.times.count * width)
        for (position, entry) in actorSets.enumerated() {
            entry.value.forEach(descending: false) { offset in
                for byte in 0..<width { column[Int(offset) * width + byte] = UInt8(truncatingIfNeeded: (position + 1) >> (byte * 8)) }
                return true
            }
        }
        self.init(
            events: Int64(index.present.count),
            minutes: minutes.keys.sorted().map { Minute(start: $0, count: minutes[$0]!) },
            counts: counts,
            actors: actorSets.map { Actor(id: $0.key.value, count: Int64($0.value.count)) },
            actorColumn: column
        )
    }

    /// The rollup of several chunks together (a span, ``AuditIndexGeometry/spanChunks``): the
    /// sums of theirs, each actor once with its total; no actor column (a span is only ever
    /// added whole). Canonical, like a chunk's.
    public init(merging parts: [AuditChunkRollup]) {
        var minutes: [Int64: Int64] = [:]
        var counts: [AuditIndexKey: Int64] = [:]
        var actors: [String: Int64] = [:]
        var events: Int64 = 0
        for part in parts {
            events += part.events
            for minute in part.minutes { minutes[minute.start, default: 0] += minute.count }
            for (key, count) in part.counts { counts[key, default: 0] += count }
            for actor in part.actors { actors[actor.id, default: 0] += actor.count }
        }
        self.init(
            events: events,
            minutes: minutes.keys.sorted().map { Minute(start: $0, count: minutes[$0]!) },
            counts: counts,
            actors: actors.sorted { AuditIndexKey.compareBytes($0.key, $1.key) < 0 }.map { Actor(id: $0.key, count: $0.value) },
            actorColumn: []
        )
    }

    /// A stable 64-bit hash of an actor id (FNV-1a over its UTF-8 bytes, then the MurmurHash3
    /// finalizer): the same in every process and release, as stored rollups require. Two ids
    /// share a hash with probability 2⁻⁶⁴ per pair, so among a million distinct actors
    /// `unique_actors` is off by one with probability below 3·10⁻⁸.
    public static func actorHash(_ id: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return hash
    }

    // MARK: Stored form

    /// Version 1: `0x01`; events (u64); minutes (u32 count, then start i64 and count u32 each);
    /// counts (u32 count, then kind u8, value (u16 length + UTF-8) and count u32 each, in key
    /// order); actors (u32 count, then id (u16 length + UTF-8) and count u32 each, in the ids' byte
    /// order); the actor column (u32 byte count, then the bytes). All little-endian.
    public var serialized: [UInt8] {
        var out = AuditBinaryWriter(capacity: 16 + minutes.count * 12 + counts.count * 24 + actors.count * 16)
        out.u8(1)
        out.u64(UInt64(events))
        out.u32(UInt32(minutes.count))
        for minute in minutes {
            out.i64(minute.start)
            out.u32(UInt32(minute.count))
        }
        out.u32(UInt32(counts.count))
        for key in counts.keys.sorted() {
            out.u8(key.kind.rawValue)
            out.text(key.value)
            out.u32(UInt32(counts[key]!))
        }
        out.u32(UInt32(actors.count))
        for actor in actors {
            out.text(actor.id)
            out.u32(UInt32(actor.count))
        }
        out.u32(UInt32(actorColumn.count))
        out.bytes(actorColumn)
        return out.bytes
    }

    /// A rollup from its stored form; nil for bytes that are not one (counts past the bytes,
    /// unknown kinds, minutes or actors out of order, bytes left over).
    public init?(serialized bytes: some Collection<UInt8>) {
        var reader = AuditBinaryReader(bytes)
        guard reader.u8() == 1, let events = reader.u64(), events <= UInt64(AuditSeqSet.capacity * AuditIndexGeometry.spanChunks) else {
            return nil
        }
        guard let minuteCount = reader.u32(), Int(minuteCount) * 12 <= reader.remaining else { return nil }
        var minutes: [Minute] = []
        for _ in 0..<minuteCount {
            guard let start = reader.i64(), let count = reader.u32(), minutes.last.map({ $0.start < start }) ?? true else {
                return nil
            }
            minutes.append(Minute(start: start, count: Int64(count)))
        }
        guard let countCount = reader.u32(), Int(countCount) * 7 <= reader.remaining else { return nil }
        var counts: [AuditIndexKey: Int64] = [:]
        for _ in 0..<countCount {
            guard let raw = reader.u8(), let kind = AuditIndexKey.Kind(rawValue: raw), let value = reader.text(), let count = reader.u32() else {
                return nil
            }
            counts[AuditIndexKey(kind, value)] = Int64(count)
        }
        guard let actorCount = reader.u32(), Int(actorCount) * 6 <= reader.remaining else { return nil }
        var actors: [Actor] = []
        actors.reserveCapacity(Int(actorCount))
        for _ in 0..<actorCount {
            guard let id = reader.text(), let count = reader.u32(),
                actors.last.map({ AuditIndexKey.compareBytes($0.id, id) < 0 }) ?? true
            else { return nil }
            actors.append(Actor(id: id, count: Int64(count)))
        }
        let width = Self.width(actors.count)
        guard let columnCount = reader.u32(), Int(columnCount) == reader.remaining, Int(columnCount) % width == 0,
            Int(columnCount) / width <= AuditSeqSet.capacity, let column = reader.bytes(Int(columnCount))
        else { return nil }
        self.init(events: Int64(events), minutes: minutes, counts: counts, actors: actors, actorColumn: column)
    }
}

/// Distinct 64-bit hashes (open addressing; the hashes are already uniform, so a hash is its own
/// slot): how stats count actors over many chunks without hashing strings again.
struct AuditDistinctHashes {
    private var slots: [UInt64]
    private var hasZero = false
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
    }

    mutating func insert(_ hash: UInt64) {
        if hash == 0 {
            if !hasZero { count += 1 }
            hasZero = true
            return
        }
        if (count + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            if slots[slot] == hash { return }
            if slots[slot] == 0 {
                slots[slot] = hash
                count += 1
                return
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let old = slots
        let zero = hasZero
        self = AuditDistinctHashes(capacity: old.count)
        for hash in old where hash != 0 { insert(hash) }
        if zero { insert(0) }
    }
}

/// Counts per 64-bit hash with one name each (open addressing, like ``AuditDistinctHashes``):
/// `group_by=actor` over many chunks adds numbers, and only the top values' names come out.
struct AuditHashCounts {
    private var hashes: [UInt64]
    private var counts: [Int64]
    private var names: [String]
    private var used: [Bool]
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        hashes = [UInt64](repeating: 0, count: size)
        counts = [Int64](repeating: 0, count: size)
        names = [String](repeating: "", count: size)
        used = [Bool](repeating: false, count: size)
    }

    mutating func add(_ hash: UInt64, _ name: String, _ amount: Int64) {
        if (count + 1) * 2 > hashes.count { grow() }
        let mask = hashes.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while used[slot] {
            if hashes[slot] == hash {
                counts[slot] += amount
                return
            }
            slot = (slot + 1) & mask
        }
        used[slot] = true
        hashes[slot] = hash
        counts[slot] = amount
        names[slot] = name
        count += 1
    }

    /// The `limit` names with the largest counts, in the order of ``AuditStats/groups``, as a
    /// dictionary; with `shownAs`, each name is shown as that value (ranked by it on equal counts),
    /// which is worked out only for names that may rank.
    func top(_ limit: Int, shownAs show: (String) -> String = { $0 }) -> [String: Int64] {
        var best: [AuditStats.Group] = []
        for slot in used.indices where used[slot] {
            if best.count == limit, let last = best.last, counts[slot] < last.count { continue }
            let entry = AuditStats.Group(value: show(names[slot]), count: counts[slot])
            if best.count == limit, let last = best.last, !AuditStats.Group.ranksBefore(entry, last) { continue }
            best.insert(entry, at: best.firstIndex { AuditStats.Group.ranksBefore(entry, $0) } ?? best.count)
            if best.count > limit { best.removeLast() }
        }
        return Dictionary(uniqueKeysWithValues: best.map { ($0.value, $0.count) })
    }

    private mutating func grow() {
        let old = self
        self = AuditHashCounts(capacity: old.hashes.count)
        for slot in old.used.indices where old.used[slot] { add(old.hashes[slot], old.names[slot], old.counts[slot]) }
    }
}
