/// An opaque page cursor: the last seq of the previous page.
public struct AuditCursor: Sendable, Hashable {
    public var afterSeq: Int64
    public init(afterSeq: Int64) { self.afterSeq = afterSeq }

    /// The opaque text form (`c` + base-36 seq).
    public var token: String { "c" + String(afterSeq, radix: 36) }

    /// What a token looks like (a regular expression, for the OpenAPI document): `c` and the seq
    /// in base 36, lower case; the empty string stands for no cursor.
    public static let pattern = "^(c[0-9a-z]{1,13})?$"

    /// Reads a token of the form this server issues: `c`, then 1 to 13 base-36 digits (lower
    /// case), nothing else. One past the largest seq stands for the largest (a page after it is
    /// empty), so every string of ``pattern`` is a cursor.
    public init?(token: String) {
        let digits = token.utf8.dropFirst()
        guard token.utf8.first == UInt8(ascii: "c"), (1...13).contains(digits.count),
            digits.allSatisfy({ (48...57).contains($0) || (97...122).contains($0) })
        else { return nil }
        self.afterSeq = Int64(token.dropFirst(), radix: 36) ?? .max
    }

    /// A seq written in decimal, as `after=` and `Last-Event-ID` take it: 1 to 19 digits, no
    /// sign, at most `Int64.max`; nil otherwise.
    public static func seq(decimal text: String) -> Int64? {
        guard (1...19).contains(text.utf8.count), text.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Int64(text)
    }
}
