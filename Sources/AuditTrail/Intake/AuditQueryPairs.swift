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
    }

    private let query: Substring
    private var start: Substring.Index?

    package init(_ query: some StringProtocol) {
        self.query = Substring(query)
        self.start = self.query.startIndex
    }

    package mutating func next() -> Pair? {
        guard let from = start else { return nil }
        let end = query[from...].firstIndex(of: "&") ?? query.endIndex
        start = end < query.endIndex ? query.index(after: end) : nil
        let text = query[from..<end]
        return Pair(name: text.firstIndex(of: "=").map { text[..<$0] } ?? text, text: text)
    }
}
