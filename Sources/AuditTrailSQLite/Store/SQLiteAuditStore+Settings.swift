import AuditTrail
import SQLiteNIO

extension SQLiteAuditStore: AuditSettingsStore {
    public func settings(prefix: String) async throws -> [String: String] {
        let rows = try await read("settings") {
            try await $0.query(
                "SELECT name, value FROM settings WHERE substr(name, 1, length(?1)) = ?1",
                [.text(prefix)]
            )
        }
        var found: [String: String] = [:]
        for row in rows {
            guard let name = row.text("name"), let value = row.text("value") else { continue }
            found[name] = value
        }
        return found
    }

    /// One autocommit statement on a reader connection (as the retention window's), so any
    /// process may change a setting while another appends.
    public func setSetting(_ name: String, to value: String) async throws {
        try await read("settings") { connection in
            _ = try await connection.query(
                "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                [.text(name), .text(value)]
            )
        }
    }
}
