/// Lower-case hex, the text form of every hash the log shows (chain hashes, Merkle hashes in
/// exports, key ids): one encoder and one table-driven decoder for the whole package — event ids,
/// export hashes, key ids and percent-escapes all read their digits through it.
///
/// ```swift
/// let text = AuditHex.string(bytes)         // "9f86d081…"
/// let back = AuditHex.bytes(hex: text)      // nil unless every character is a hex digit
/// ```
public enum AuditHex {
    /// Lower-case hex.
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Self.digits
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The lower-case hex digits, as UTF-8 (shared by every hex writer in the module).
    static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Bytes from hex (either case), or nil.
    public static func bytes(hex: String) -> [UInt8]? {
        var hex = hex
        return hex.withUTF8 { bytes(hexDigits: UnsafeRawBufferPointer($0)) }
    }

    /// Bytes from hex digits (either case) read in place, or nil.
    public static func bytes(hexDigits digits: UnsafeRawBufferPointer) -> [UInt8]? {
        guard digits.count % 2 == 0 else { return nil }
        var valid = false
        let out = [UInt8](unsafeUninitializedCapacity: digits.count / 2) { buffer, count in
            valid = decode(digits, lowerCaseOnly: false, into: UnsafeMutableRawBufferPointer(buffer))
            count = digits.count / 2
        }
        return valid ? out : nil
    }

    /// Decodes `digits` into `output` (exactly half as many bytes) in place, without allocating;
    /// false when a character is not a hex digit (or, with `lowerCaseOnly`, is an upper-case one)
    /// or the counts do not fit. `output` is written either way.
    package static func decode(_ digits: UnsafeRawBufferPointer, lowerCaseOnly: Bool, into output: UnsafeMutableRawBufferPointer) -> Bool {
        guard digits.count == 2 * output.count else { return false }
        // Upper-case digits carry 0x10 in their table value: allowed only when that bit is masked.
        let mask: UInt8 = lowerCaseOnly ? 0xF0 : 0xE0
        var invalid: UInt8 = 0
        hexValues.withUnsafeBufferPointer { values in
            for index in 0..<output.count {
                let high = values[Int(digits[2 * index])]
                let low = values[Int(digits[2 * index + 1])]
                invalid |= (high | low) & mask
                output[index] = (high & 0xF) << 4 | (low & 0xF)
            }
        }
        return invalid == 0
    }

    /// The value of one hex digit (either case), or nil.
    package static func value(ofDigit byte: UInt8) -> UInt8? {
        let value = hexValues[Int(byte)]
        return value & 0xE0 == 0 ? value & 0xF : nil
    }

    /// Each byte's value as a hex digit: 0–15 for `0-9` and `a-f`, 0x10 | value for `A-F`, 0xFF
    /// for a byte that is none.
    private static let hexValues: [UInt8] = (0...255).map { c in
        switch UInt8(c) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(c) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(c) - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): 0x10 | (UInt8(c) - UInt8(ascii: "A") + 10)
        default: 0xFF
        }
    }
}
