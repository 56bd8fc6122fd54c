/// The `name=value` pairs of a URL query (`a=1&b&c=3`), as slices of it, without copying: what
/// the redactor and the middleware walk to find secret parameters.
///
/// ```swift
/// for pair in AuditQueryPairs("page=1&token=abc") { print(pair.name, pair.text) }   // "page" "page=1", …
/// ```
package struct AuditQueryPairs: Sequence, IteratorProtocol {
    /// One pair: its name (up to the first `=`, the whole pair when it has none) and its text.
    package struct Pair {
        package var name: Substring
        package var text: Substring
        /// Whether the pair has a `=` (a value, possibly empty).
        package var hasValue: Bool
    }

    private let query: Substring
    private var start: Substring.Index?

    package init(_ query: some StringProtocol) {
        self.query = Substring(query)
        self.start = self.query.startIndex
    }

    /// Splits on the bytes `&` and `=` (a URL query is bytes; comparing Characters would cost a
    /// grapheme walk per pair on the middleware's and the validator's path).
    package mutating func next() -> Pair? {
        guard let from = start else { return nil }
        let bytes = query.utf8
        let end = bytes[from...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
        start = end < bytes.endIndex ? bytes.index(after: end) : nil
        let text = query[from..<end]
        let equals = text.utf8.firstIndex(of: UInt8(ascii: "="))
        return Pair(name: equals.map { text[..<$0] } ?? text, text: text, hasValue: equals != nil)
    }
}
