/// A generated statement: SQL text with placeholders, and the values in placeholder order.
public struct AuditSQLStatement: Sendable, Hashable {
    /// The SQL text, with the dialect's placeholders.
    public var sql: String
    /// The values, in placeholder order.
    public var binds: [AuditSQLValue]
    /// A statement from its text and values.
    public init(sql: String, binds: [AuditSQLValue]) {
        self.sql = sql
        self.binds = binds
    }
}
