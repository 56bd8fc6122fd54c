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
        var bytes = [UInt8](repeating: 0, count: 16)
        let ms = UInt64(max(0, time.milliseconds))
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: ms >> (40 - 8 * UInt64(index))) }
        let (random, random2) = AuditRandomBytes.next()
        for index in 6..<16 {
            bytes[index] = UInt8(truncatingIfNeeded: (index < 14 ? random : random2) >> (8 * UInt64(index % 8)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = AuditHex.digits
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
