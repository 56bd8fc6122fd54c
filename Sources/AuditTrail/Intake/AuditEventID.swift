/// Event ids: the canonical form of a client-chosen UUID, and the time-ordered UUIDv7 the
/// validator gives an event that has none.
///
/// ```swift
/// let id = AuditEventID.makeUUIDv7(at: .now())
/// AuditEventID.normalizedUUID("0193F7E2-6C1A-7B0E-9D3C-2A1B4C5D6E7F")   // lower-cased
/// ```
public enum AuditEventID {
    /// Lower-cased canonical UUID text, or nil.
    public static func normalizedUUID(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return nil }
            } else {
                guard AuditHex.value(ofDigit: byte) != nil else { return nil }
            }
        }
        return text.lowercased()
    }

    /// A random, time-ordered UUID (version 7): 48 bits of milliseconds, 74 random bits.
    public static func makeUUIDv7(at time: AuditTime) -> String {
        let ms = UInt64(max(0, time.milliseconds))
        let (random, random2) = AuditRandomBytes.next()
        // Byte i of the 16: the 48-bit time big-endian, then random bytes, with the version (7)
        // and variant (10) bits set.
        func byte(_ index: Int) -> UInt8 {
            switch index {
            case 0..<6: return UInt8(truncatingIfNeeded: ms >> (40 - 8 * UInt64(index)))
            case 6: return (UInt8(truncatingIfNeeded: random >> 48) & 0x0F) | 0x70
            case 8: return (UInt8(truncatingIfNeeded: random) & 0x3F) | 0x80
            default: return UInt8(truncatingIfNeeded: (index < 14 ? random : random2) >> (8 * UInt64(index % 8)))
            }
        }
        // One allocation: the 36 characters are written straight into the string.
        return String(unsafeUninitializedCapacity: 36) { out in
            let hex = AuditHex.digits
            var at = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    out[at] = UInt8(ascii: "-")
                    at += 1
                }
                let value = byte(index)
                out[at] = hex[Int(value >> 4)]
                out[at + 1] = hex[Int(value & 0xF)]
                at += 2
            }
            return at
        }
    }
}
