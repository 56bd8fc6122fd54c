/// A value bound to a placeholder of a generated statement, independent of the database driver.
///
/// Each store converts these to its driver's type (`SQLiteData`, `PostgresData`, …).
public enum AuditSQLValue: Sendable, Hashable {
    /// A 64-bit integer (seqs, milliseconds, levels, codes).
    case integer(Int64)
    /// UTF-8 text.
    case text(String)
    /// Raw bytes (mapped IP addresses, hashes).
    case blob([UInt8])
    /// SQL NULL.
    case null
}
