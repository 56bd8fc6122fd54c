/// The hash chain: `hash(n) = SHA-256(hash(n-1) ‖ canonical(n))`, `hash(0)` = 32 zero bytes.
///
/// ```swift
/// let h1 = AuditChain.next(previous: AuditChain.genesis, canonical: bytes)
/// ```
public enum AuditChain {
    /// The hash before the first event.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// The chain hash of an event given the previous event's hash.
    public static func next(previous: [UInt8], canonical: [UInt8]) -> [UInt8] {
        previous.withUnsafeBytes { previous in canonical.withUnsafeBytes { AuditSHA256.hash(previous, $0) } }
    }

    /// The chain hash of `canonical` after the 32 bytes at `previous`, written to the 32 bytes at
    /// `output` (which may be `previous`): the allocation-free form verifiers use.
    public static func next(previous: UnsafeRawPointer, canonical: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer) {
        AuditSHA256.hash(UnsafeRawBufferPointer(start: previous, count: AuditMerkle.hashSize), canonical, into: output)
    }

    /// Lower-case hex.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = hexDigits
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The lower-case hex digits, as UTF-8 (shared by every hex writer in the module).
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Bytes from hex, or nil.
    public static func bytes(hex: String) -> [UInt8]? {
        var hex = hex
        return hex.withUTF8 { bytes(hexDigits: UnsafeRawBufferPointer($0)) }
    }

    /// Bytes from hex digits (either case) read in place, or nil.
    public static func bytes(hexDigits digits: UnsafeRawBufferPointer) -> [UInt8]? {
        guard digits.count % 2 == 0 else { return nil }
        var invalid: UInt8 = 0
        let out = hexValues.withUnsafeBufferPointer { values in
            [UInt8](unsafeUninitializedCapacity: digits.count / 2) { buffer, count in
                for index in 0..<(digits.count / 2) {
                    let high = values[Int(digits[2 * index])]
                    let low = values[Int(digits[2 * index + 1])]
                    invalid |= (high | low) & 0xF0
                    buffer[index] = high << 4 | low
                }
                count = digits.count / 2
            }
        }
        return invalid == 0 ? out : nil
    }

    /// Each byte's value as a hex digit, 0xFF for a byte that is none.
    private static let hexValues: [UInt8] = (0...255).map { c in
        switch UInt8(c) {
        case 48...57: UInt8(c) - 48
        case 97...102: UInt8(c) - 87
        case 65...70: UInt8(c) - 55
        default: 0xFF
        }
    }

    /// The `seq` written inside canonical bytes (the last top-level `"seq":` key), or nil.
    public static func embeddedSeq(in canonical: [UInt8]) -> Int64? {
        canonical.withUnsafeBytes { embeddedSeq(in: $0) }
    }

    /// The `seq` written inside canonical bytes, read in place.
    public static func embeddedSeq(in bytes: UnsafeRawBufferPointer) -> Int64? {
        // `"seq"` sorts near the end (before severity, tags and time), so search backwards.
        let needle: StaticString = #","seq":"#
        let count = needle.utf8CodeUnitCount
        let pattern = UnsafeRawBufferPointer(start: needle.utf8Start, count: count)
        guard bytes.count > count else { return nil }
        var start = bytes.count - count
        while start >= 0 {
            if bytes[start] == pattern[0], bytes[start + 1] == pattern[1],
                UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)]).elementsEqual(pattern)
            {
                var value: Int64 = 0
                var index = start + count
                var digits = 0
                while index < bytes.count, (48...57).contains(bytes[index]), digits < 19 {
                    value = value &* 10 &+ Int64(bytes[index] - 48)
                    index += 1
                    digits += 1
                }
                return digits > 0 ? value : nil
            }
            start -= 1
        }
        return nil
    }
}
