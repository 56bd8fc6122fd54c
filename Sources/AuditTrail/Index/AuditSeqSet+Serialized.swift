/// The stored form of a chunk's set: canonical, so a stored set can be compared byte for byte
/// with one derived again from the events.
extension AuditSeqSet {
    /// The size of ``serialized`` in bytes (what the set costs to keep).
    public var serializedCount: Int {
        switch storage {
        case .array(let offsets): 1 + offsets.count * 2
        case .bitmap: 1 + Self.wordCount * 8
        }
    }

    /// The stored form: `0x01` then each offset as 2 bytes little-endian (at most 4,096), or
    /// `0x02` then the 1,024 bitmap words as 8 bytes little-endian each. Canonical: the count
    /// decides the container, so equal sets have equal bytes.
    public var serialized: [UInt8] {
        switch storage {
        case .array(let offsets):
            var out: [UInt8] = []
            Self.appendSerialized(count: offsets.count, into: &out) { body in offsets.forEach(body) }
            return out
        case .bitmap(let words):
            var out = [UInt8](repeating: 0, count: 1 + Self.wordCount * 8)
            out[0] = 2
            for (index, word) in words.enumerated() {
                var value = word.littleEndian
                withUnsafeBytes(of: &value) { bytes in
                    for byte in 0..<8 { out[1 + index * 8 + byte] = bytes[byte] }
                }
            }
            return out
        }
    }

    /// Appends the stored form of an array container to `out`: the set of `count` offsets
    /// (at most ``arrayLimit``) that `offsets` calls its argument with, strictly increasing.
    static func appendSerialized(count: Int, into out: inout [UInt8], _ offsets: ((UInt16) -> Void) -> Void) {
        precondition(count <= arrayLimit)
        out.reserveCapacity(out.count + 1 + count * 2)
        out.append(1)
        appendOffsets(into: &out, offsets)
    }

    /// Appends each offset `offsets` calls its argument with as 2 bytes little-endian: how an
    /// array container (and a packed row, ``AuditPackedSets``) stores its offsets.
    static func appendOffsets(into out: inout [UInt8], _ offsets: ((UInt16) -> Void) -> Void) {
        offsets { offset in
            out.append(UInt8(offset & 0xFF))
            out.append(UInt8(offset >> 8))
        }
    }

    /// A set from its stored form; nil for bytes that are not the canonical form of a set.
    public init?(serialized bytes: some Collection<UInt8>) {
        let bytes = bytes as? [UInt8] ?? Array(bytes)
        guard let kind = bytes.first else { return nil }
        switch kind {
        case 1:
            guard bytes.count % 2 == 1, (bytes.count - 1) / 2 <= Self.arrayLimit else { return nil }
            var offsets: [UInt16] = []
            offsets.reserveCapacity((bytes.count - 1) / 2)
            var index = 1
            while index < bytes.count {
                let offset = UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8
                if let last = offsets.last, last >= offset { return nil }
                offsets.append(offset)
                index += 2
            }
            self.init(sortedUnique: offsets)
        case 2:
            guard bytes.count == 1 + Self.wordCount * 8 else { return nil }
            var words = [UInt64](repeating: 0, count: Self.wordCount)
            var total = 0
            bytes.withUnsafeBytes { raw in
                for index in 0..<Self.wordCount {
                    let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 1 + index * 8, as: UInt64.self))
                    words[index] = word
                    total += word.nonzeroBitCount
                }
            }
            guard total > Self.arrayLimit else { return nil }
            self.init(words: words, count: total)
        default:
            return nil
        }
    }
}
