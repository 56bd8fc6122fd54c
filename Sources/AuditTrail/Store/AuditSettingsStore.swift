/// Small named values a store keeps for the log's own configuration beside the events — the
/// definitions and positions of streams (``AuditStreamCatalog``), the retention window — in its
/// `settings` table, so they survive restarts and every process serving the log sees the same.
///
/// Each write is one autocommit statement outside the append path (a reader connection in
/// SQLite, the pool in PostgreSQL), so any process may change a setting while another appends.
/// Nothing is ever deleted: a removed definition is overwritten with a tombstone by its owner,
/// which keeps the table's grants (PostgreSQL's application role may insert and update it, never
/// delete) and leaves a trace.
///
/// ```swift
/// try await store.setSetting("stream.str_1a2b.position", to: #"{"delivered_through":40}"#)
/// let all = try await store.settings(prefix: "stream.")   // ["stream.str_1a2b.position": "…", …]
/// ```
public protocol AuditSettingsStore: Sendable {
    /// Every setting whose name starts with `prefix`, by name.
    func settings(prefix: String) async throws -> [String: String]

    /// Stores `value` under `name`, replacing what was there.
    func setSetting(_ name: String, to value: String) async throws
}
