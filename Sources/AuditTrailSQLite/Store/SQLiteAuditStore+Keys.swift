import AuditTrail
import SQLiteNIO

extension SQLiteAuditStore {
    /// Stores a key record and its secret's hash. A second key with the same id or secret hash
    /// throws ``AuditTrailError/Code/conflict``. Key reads and writes use the key connection (never
    /// the append connection, never the readers) and are single autocommit statements, so any process may write keys
    /// while another appends.
    public func insertKey(_ key: AuditAPIKey, secretHash: String) async throws {
        let binds: [SQLiteData] = [
            .text(key.id), .text(key.name), .text(key.role.rawValue), .optionalText(key.subject),
            .integer(Int(key.createdAt.milliseconds)), key.revokedAt.map { .integer(Int($0.milliseconds)) } ?? .null,
            .text(secretHash),
        ]
        let inserted = try await onKeyConnection("key insert") { connection in
            try await connection.query(
                """
                INSERT INTO api_keys (id, name, role, subject, created_at, revoked_at, secret_hash)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id
                """,
                binds
            )
        }
        guard !inserted.isEmpty else { throw AuditTrailError(.conflict, "a key with this id or secret already exists") }
    }

    /// Every key, active and revoked, oldest first.
    public func keys() async throws -> [AuditAPIKey] {
        let rows = try await onKeyConnection("key list") { connection in
            try await connection.query(
                "SELECT id, name, role, subject, created_at, revoked_at FROM api_keys ORDER BY created_at, id"
            )
        }
        return rows.compactMap(Self.key)
    }

    /// Marks the key revoked at `time`; false when there is no such key or it is already revoked.
    public func revokeKey(id: String, at time: AuditTime) async throws -> Bool {
        let rows = try await onKeyConnection("key revoke") { connection in
            try await connection.query(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id",
                [.integer(Int(time.milliseconds)), .text(id)]
            )
        }
        return !rows.isEmpty
    }

    /// The active (not revoked) key whose secret hashes to `secretHash`, or nil.
    public func key(secretHash: String) async throws -> AuditAPIKey? {
        let rows = try await onKeyConnection("key lookup") { connection in
            try await connection.query(
                "SELECT id, name, role, subject, created_at, revoked_at FROM api_keys WHERE secret_hash = ? AND revoked_at IS NULL",
                [.text(secretHash)]
            )
        }
        return rows.first.flatMap(Self.key)
    }

    static func key(_ row: SQLiteRow) -> AuditAPIKey? {
        guard let id = row.text("id"), let name = row.text("name"), let role = row.text("role").flatMap(AuditRole.init(rawValue:)),
            let created = row.int64("created_at")
        else { return nil }
        return AuditAPIKey(
            id: id,
            name: name,
            role: role,
            subject: row.text("subject"),
            createdAt: AuditTime(milliseconds: created),
            revokedAt: row.int64("revoked_at").map(AuditTime.init(milliseconds:))
        )
    }
}
