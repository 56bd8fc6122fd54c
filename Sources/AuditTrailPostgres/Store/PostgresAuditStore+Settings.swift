import AuditTrail
import PostgresNIO

extension PostgresAuditStore: AuditSettingsStore {
    public func settings(prefix: String) async throws -> [String: String] {
        try await read("settings") { connection in
            let rows = try await connection.checkedQuery(
                "SELECT name, value FROM \(unescaped: s).settings WHERE starts_with(name, \(prefix))",
                logger: logger
            )
            var found: [String: String] = [:]
            for try await (name, value) in rows.decode((String, String).self) { found[name] = value }
            return found
        }
    }

    public func setSetting(_ name: String, to value: String) async throws {
        _ = try await read("settings") { connection in
            try await connection.checkedQuery(
                """
                INSERT INTO \(unescaped: s).settings (name, value) VALUES (\(name), \(value))
                ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """,
                logger: logger
            )
        }
    }
}
