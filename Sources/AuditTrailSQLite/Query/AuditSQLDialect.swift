/// Everything that differs between the SQL dialects the query builder writes: placeholders,
/// function names, boolean literals and JSON-array membership.
///
/// The event columns are the same in every store (see ``AuditSQLQueryBuilder``); only these
/// spellings change.
///
/// ```swift
/// var builder = AuditSQLQueryBuilder(dialect: .sqlite)
/// ```
public struct AuditSQLDialect: Sendable, Hashable {
    private enum Kind: Sendable, Hashable { case sqlite, postgres }
    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// SQLite 3.45+: `?` placeholders, `instr`, `json_each`, `0`/`1` booleans.
    public static let sqlite = AuditSQLDialect(.sqlite)
    /// PostgreSQL 14+: `$n` placeholders, `strpos`, `jsonb` containment, `FALSE`.
    public static let postgres = AuditSQLDialect(.postgres)

    /// The placeholder for the `index`-th bind (1-based).
    public func placeholder(_ index: Int) -> String {
        switch kind {
        case .sqlite: "?"
        case .postgres: "$\(index)"
        }
    }

    /// The literal for false.
    public var falseLiteral: String {
        switch kind {
        case .sqlite: "0"
        case .postgres: "FALSE"
        }
    }

    /// `haystack` contains the text `needle` (both already lower-cased), as a boolean expression.
    public func containsText(_ haystack: String, _ needle: String) -> String {
        switch kind {
        case .sqlite: "instr(\(haystack), \(needle)) > 0"
        case .postgres: "strpos(\(haystack), \(needle)) > 0"
        }
    }

    /// The JSON array of strings in `column` has an element equal to the text `value`.
    public func arrayContains(_ column: String, _ value: String) -> String {
        switch kind {
        case .sqlite: "EXISTS (SELECT 1 FROM json_each(\(column)) WHERE json_each.value = \(value))"
        case .postgres: "(\(column))::jsonb ? \(value)"
        }
    }

    /// Integer division of `column` truncated down to a multiple of `size` (non-negative inputs).
    public func floor(_ column: String, multipleOf size: String) -> String {
        "(\(column) - (\(column) % \(size)))"
    }

    /// The exclusive upper bound of the texts starting with `prefix` in byte order, or nil when
    /// there is none expressible (the prefix ends in a non-ASCII or DEL character).
    public static func prefixUpperBound(_ prefix: String) -> String? {
        var bytes = Array(prefix.utf8)
        guard let last = bytes.last, last < 0x7F else { return nil }
        bytes[bytes.count - 1] = last + 1
        return String(decoding: bytes, as: UTF8.self)
    }
}
