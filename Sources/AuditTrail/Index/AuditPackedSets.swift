/// How a stored chunk's sparse keys are packed many to a row of the index's sets table.
///
/// Most of a chunk's ~250,000 keys are held by one to four of its events (correlation ids,
/// resource ids, whole addresses, rare words): as a row each, they made SQLite's inserts ~60 % of
/// writing a chunk. A run of such keys, consecutive in ``AuditIndexKey`` order within one kind,
/// is stored as one row instead: its `key` column holds the run's first value, its `events`
/// column this form —
///
/// `0x03`, then per key: its value's length (LEB128), the value's UTF-8 bytes, its event count
/// (1 … ``setLimit``, one byte) and each offset (2 bytes little-endian, ascending).
///
/// A stored set's own form begins with `0x01` or `0x02` (``AuditSeqSet/serialized``), so a row
/// tells its form by its first byte. Rows never overlap: the row that can hold a value is the one
/// with the greatest `key` at or below it (``set(of:row:events:)``), one primary-key step back
/// from where the plain row would be. Files written before packing hold plain rows only and are
/// read as they are.
public enum AuditPackedSets {
    /// The first byte of a packed row's `events`.
    public static let tag: UInt8 = 3
    /// Keys held by at most this many of the chunk's events are packed.
    public static let setLimit = 4
    /// The most keys in one packed row (a look-up decodes up to this many values).
    public static let keysPerRow = 64

    /// Whether a stored `events` column is a packed row.
    public static func isPacked(_ events: some Collection<UInt8>) -> Bool { events.first == tag }

    /// Appends one key to a packed row being written (`row` starts as `[tag]`): its value and the
    /// `count` offsets (1 … ``setLimit``) `offsets` calls its argument with, ascending.
    static func append(value: UnsafeBufferPointer<UInt8>, count: Int, to row: inout [UInt8], _ offsets: ((UInt16) -> Void) -> Void) {
        precondition((1...setLimit).contains(count))
        var length = UInt64(value.count)
        repeat {
            let low = UInt8(length & 0x7F)
            length >>= 7
            row.append(length == 0 ? low : low | 0x80)
        } while length != 0
        row.append(contentsOf: value)
        row.append(UInt8(count))
        AuditSeqSet.appendOffsets(into: &row, offsets)
    }

    /// Calls `body` with each value and set of a packed row, in order; false when the bytes are
    /// not a packed row (values not strictly ascending, a count out of range, offsets not
    /// ascending, bytes cut short or left over). The value bytes are valid only during the call.
    public static func forEach(
        _ events: some Collection<UInt8>,
        _ body: (UnsafeBufferPointer<UInt8>, AuditSeqSet) throws -> Void
    ) rethrows -> Bool {
        try walk(events) { value, offsets in try body(value, AuditSeqSet(sortedUnique: offsets())) }
    }

    /// Checks a packed row whole and calls `body` with each value and a function that decodes its
    /// offsets (so that a look-up builds only the set it wants); false when the bytes are not a
    /// packed row (see ``forEach(_:_:)``).
    static func walk(
        _ events: some Collection<UInt8>,
        _ body: (UnsafeBufferPointer<UInt8>, () -> [UInt16]) throws -> Void
    ) rethrows -> Bool {
        let bytes = events as? [UInt8] ?? Array(events)
        return try bytes.withUnsafeBufferPointer { all -> Bool in
            guard all.first == tag else { return false }
            var index = 1
            var previous: UnsafeBufferPointer<UInt8>?
            var keys = 0
            while index < all.count {
                var length = 0
                var shift = 0
                while true {
                    guard index < all.count, shift < 28 else { return false }
                    let byte = all[index]
                    index += 1
                    length |= Int(byte & 0x7F) << shift
                    shift += 7
                    if byte & 0x80 == 0 { break }
                }
                guard length <= all.count - index else { return false }
                let value = UnsafeBufferPointer(rebasing: all[index..<(index + length)])
                index += length
                if let previous, !previous.lexicographicallyPrecedes(value) { return false }
                guard index < all.count else { return false }
                let count = Int(all[index])
                index += 1
                guard (1...setLimit).contains(count), count * 2 <= all.count - index else { return false }
                let start = index
                func offset(_ position: Int) -> UInt16 { UInt16(all[start + 2 * position]) | UInt16(all[start + 2 * position + 1]) << 8 }
                for position in 1..<count where offset(position - 1) >= offset(position) { return false }
                index += count * 2
                try body(value) { (0..<count).map(offset) }
                previous = value
                keys += 1
            }
            return keys > 0
        }
    }

    /// What a stored row says of `value`: the row is the one with the greatest `key` at or below
    /// `value` (`row` its key, `events` its `events`). The set, or nil when the row does not hold
    /// `value`; throws when the row is neither form.
    public static func set(of value: String, row: String, events: some Collection<UInt8>) throws(Malformed) -> AuditSeqSet? {
        if isPacked(events) {
            var found: AuditSeqSet?
            let whole = AuditIndexKey.withBytes(value) { wanted in
                walk(events) { candidate, offsets in
                    if found == nil, candidate.elementsEqual(wanted) { found = AuditSeqSet(sortedUnique: offsets()) }
                }
            }
            guard whole else { throw Malformed() }
            return found
        }
        guard AuditIndexKey.compareBytes(row, value) == 0 else { return nil }
        guard let set = AuditSeqSet(serialized: events) else { throw Malformed() }
        return set
    }

    /// Every value and set a stored row holds: a plain row's own, or a packed row's.
    public static func sets(row: String, events: some Collection<UInt8>) throws(Malformed) -> [(value: String, set: AuditSeqSet)] {
        if isPacked(events) {
            var out: [(value: String, set: AuditSeqSet)] = []
            guard forEach(events, { out.append((String(decoding: $0, as: UTF8.self), $1)) }) else { throw Malformed() }
            return out
        }
        guard let set = AuditSeqSet(serialized: events) else { throw Malformed() }
        return [(row, set)]
    }

    /// Each value a stored row holds with its set's stored form (``AuditSeqSet/serialized``), as
    /// the index check compares them; a row that is neither form comes back as it is (under its
    /// `key`), for the check to report.
    public static func storedForms(row: String, events: [UInt8]) -> [(value: String, events: [UInt8])] {
        guard isPacked(events) else { return [(row, events)] }
        var out: [(value: String, events: [UInt8])] = []
        guard forEach(events, { out.append((String(decoding: $0, as: UTF8.self), $1.serialized)) }) else { return [(row, events)] }
        return out
    }

    /// A stored row that is neither a set nor a packed row.
    public struct Malformed: Error {}
}
