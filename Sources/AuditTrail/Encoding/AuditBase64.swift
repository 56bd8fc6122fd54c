/// Standard base64 (RFC 4648 §4, with padding), as signed notes and checkpoints use it — and the
/// API's root hashes and proof hashes, which are the same bytes as the checkpoint's root line.
///
/// Decoding is strict: only the canonical encoding of some bytes is accepted (no whitespace, no
/// missing or extra padding, no non-zero spare bits), so one value has exactly one text form.
public enum AuditBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = Int8(index) }
        return table
    }()

    /// The base64 text of `bytes`; with `urlSafe`, the URL alphabet (`-`, `_`) without padding
    /// (RFC 4648 §5), as API key secrets use it.
    public static func encode(_ bytes: [UInt8], urlSafe: Bool) -> String {
        let standard = encode(bytes)
        guard urlSafe else { return standard }
        return String(
            decoding: standard.utf8.compactMap { char -> UInt8? in
                switch char {
                case UInt8(ascii: "+"): UInt8(ascii: "-")
                case UInt8(ascii: "/"): UInt8(ascii: "_")
                case UInt8(ascii: "="): nil
                default: char
                }
            },
            as: UTF8.self
        )
    }

    /// The standard base64 text of `bytes`, with padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let v = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)])
            out.append(alphabet[Int(v & 63)])
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let v = UInt32(bytes[index]) << 16
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        } else if rest == 2 {
            let v = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)])
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of a canonical base64 text, or nil.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var padding = 0
        if chars.last == UInt8(ascii: "=") { padding += 1 }
        if chars.count >= 2, chars[chars.count - 2] == UInt8(ascii: "=") { padding += 1 }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 4 * 3)
        var accumulator: UInt32 = 0
        for (position, char) in chars.enumerated() {
            let isPadding = position >= chars.count - padding
            let value: Int8 = isPadding ? 0 : values[Int(char)]
            guard value >= 0 else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            if position % 4 == 3 {
                out.append(UInt8(accumulator >> 16 & 0xFF))
                out.append(UInt8(accumulator >> 8 & 0xFF))
                out.append(UInt8(accumulator & 0xFF))
                accumulator = 0
            }
        }
        out.removeLast(padding)
        // Canonical only: re-encoding must give the same text (rejects non-zero spare bits).
        guard encode(out) == String(decoding: chars, as: UTF8.self) else { return nil }
        return out
    }
}
