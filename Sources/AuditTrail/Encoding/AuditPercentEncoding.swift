/// Percent-decoding, strict: the one decoder of query parameters (`+` is a space there) and of
/// the parts of a database URL (where `+` is itself).
///
/// ```swift
/// AuditPercentEncoding.decode("a%20b+c", plusIsSpace: true)    // "a b c"
/// AuditPercentEncoding.decode("p%40ss", plusIsSpace: false)    // "p@ss"
/// ```
package enum AuditPercentEncoding {
    /// `text` with its `%XX` escapes decoded (and `+` as a space when `plusIsSpace`); nil when an
    /// escape is malformed or the result is not UTF-8.
    package static func decode(_ text: Substring, plusIsSpace: Bool) -> String? {
        let plus = plusIsSpace ? UInt8(ascii: "+") : UInt8(ascii: "%")
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == plus }) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        func hex(_ byte: UInt8?) -> UInt8? { byte.flatMap(AuditHex.value(ofDigit:)) }
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+") where plusIsSpace: bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = hex(iterator.next()), let low = hex(iterator.next()) else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
