import AuditTrail
import PostgresNIO

extension PostgresAuditStore: AuditKeyStore {
    /// Stores a key record and its secret's hash; a second key with the same id or secret hash
    /// throws ``AuditTrailError/Code/conflict``.
    public func insertKey(_ key: AuditAPIKey, secretHash: String) async throws {
        let inserted = try await read("key insert") { connection in
            let rows = try await connection.checkedQuery(
                """
                INSERT INTO \(unescaped: s).api_keys (id, name, role, subject, created_at, revoked_at, secret_hash)
                VALUES (\(key.id), \(key.name), \(key.role.rawValue), \(key.subject), \(key.createdAt.milliseconds),
                    \(key.revokedAt?.milliseconds), \(secretHash))
                ON CONFLICT DO NOTHING RETURNING id
                """,
                logger: logger
            )
            return try await rows.collect().count
        }
        guard inserted > 0 else { throw AuditTrailError(.conflict, "a key with this id or secret already exists") }
    }

    /// Every key, active and revoked, oldest first.
    public func keys() async throws -> [AuditAPIKey] {
        try await read("key list") { connection in
            try await Self.keys(
                connection.checkedQuery(
                    "SELECT id, name, role, subject, created_at, revoked_at FROM \(unescaped: s).api_keys ORDER BY created_at, id",
                    logger: logger
                )
            )
        }
    }

    /// Marks the key revoked at `time`; false when there is no such key or it is already revoked.
    public func revokeKey(id: String, at time: AuditTime) async throws -> Bool {
        try await read("key revoke") { connection in
            let rows = try await connection.checkedQuery(
                "UPDATE \(unescaped: s).api_keys SET revoked_at = \(time.milliseconds) WHERE id = \(id) AND revoked_at IS NULL RETURNING id",
                logger: logger
            )
            return try await !rows.collect().isEmpty
        }
    }

    /// The active (not revoked) key whose secret hashes to `secretHash`, or nil.
    public func key(secretHash: String) async throws -> AuditAPIKey? {
        try await read("key lookup") { connection in
            try await Self.keys(
                connection.checkedQuery(
                    """
                    SELECT id, name, role, subject, created_at, revoked_at FROM \(unescaped: s).api_keys
                    WHERE secret_hash = \(secretHash) AND revoked_at IS NULL
                    """,
                    logger: logger
                )
            ).first
        }
    }

    static func keys(_ rows: PostgresRowSequence) async throws -> [AuditAPIKey] {
        var keys: [AuditAPIKey] = []
        for try await (id, name, role, subject, created, revoked) in rows.decode((String, String, String, String?, Int64, Int64?).self) {
            guard let role = AuditRole(rawValue: role) else { continue }
            keys.append(
                AuditAPIKey(
                    id: id,
                    name: name,
                    role: role,
                    subject: subject,
                    createdAt: AuditTime(milliseconds: created),
                    revokedAt: revoked.map(AuditTime.init(milliseconds:))
                )
            )
        }
        return keys
    }
}
