/// How AuditTrail counts the length of text it limits: in characters as JSON Schema's
/// `maxLength` counts them (Unicode code points), so the OpenAPI document states each limit
/// exactly. The bytes stay bounded: a code point is at most 4 UTF-8 bytes, and the JSON reader
/// refuses a string past 4× the limit while it reads.
extension StringProtocol {
    /// Whether the text has more than `limit` code points. ASCII-sized text is answered from its
    /// UTF-8 count (at least one byte per code point) without walking it.
    @inlinable
    public func exceedsLength(_ limit: Int) -> Bool {
        utf8.count > limit && unicodeScalars.count > limit
    }
}

/// The UTF-8 bytes a string of `length` code points may take: the JSON reader's bound while it
/// reads, before the exact count.
public func auditMaxUTF8Bytes(forLength length: Int) -> Int {
    length > Int.max / 4 ? Int.max : length * 4
}
