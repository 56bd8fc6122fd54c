/// Lower-case hex, the text form of every hash the log shows (chain hashes, Merkle hashes in
/// exports, key ids): one encoder and one table-driven decoder for the whole module.
///
/// ```swift
/// let text = AuditHex.string(hash)          // "9f86d081…"
/// let bytes = AuditHex.bytes(hex: text)     // nil unless every character is a hex digit
/// ```
public enum AuditHex {
    /// Lower-case hex.
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Self.digits
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The lower-case hex digits, as UTF-8 (shared by every hex writer in the module).
    static let digits: [UInt8] = Array("0123456789abcdef".utf8)

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
}
