import AuditTrail
import PostgresNIO

extension PostgresAuditStore: AuditLeaseStore {
    /// One statement: the row is inserted, or taken over when its lease ran out, or renewed when
    /// this instance (``Configuration/instance``) holds it; the expiry is
    /// ``Configuration/leaseSeconds`` from the database server's clock.
    public func acquireLease(_ name: String) async throws -> Bool {
        let holder = configuration.instance
        let milliseconds = Int64(configuration.leaseSeconds) * 1000
        return try await read("lease") { connection in
            let rows = try await connection.checkedQuery(
                """
                INSERT INTO \(unescaped: s).leases AS lease (name, holder, expires_at)
                VALUES (\(name), \(holder), (extract(epoch FROM clock_timestamp()) * 1000)::bigint + \(milliseconds))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE lease.holder = excluded.holder OR lease.expires_at < (extract(epoch FROM clock_timestamp()) * 1000)::bigint
                RETURNING holder
                """,
                logger: logger
            )
            for try await _ in rows { return true }
            return false
        }
    }

    public func releaseLease(_ name: String) async throws {
        let holder = configuration.instance
        _ = try await read("lease") { connection in
            try await connection.checkedQuery("DELETE FROM \(unescaped: s).leases WHERE name = \(name) AND holder = \(holder)", logger: logger)
        }
    }

    /// Who holds the lease `name` now (nil: nobody, or it ran out).
    public func leaseHolder(_ name: String) async throws -> String? {
        try await read("lease") { connection in
            let rows = try await connection.checkedQuery(
                """
                SELECT holder FROM \(unescaped: s).leases
                WHERE name = \(name) AND expires_at >= (extract(epoch FROM clock_timestamp()) * 1000)::bigint
                """,
                logger: logger
            )
            for try await holder in rows.decode(String.self) { return holder }
            return nil
        }
    }
}

extension PostgresAuditStore {
    /// The setting that names the public key the log's checkpoints are signed with.
    static let signingKeySettingName = "signing_key"

    /// Records `publicKey` (``AuditSignerPublicKey/text``) as the log's signing key when none is
    /// recorded, and throws when another one is: every instance serving one log must sign with
    /// the same key, or its checkpoints would not verify against the others'.
    public func requireSigningKey(_ publicKey: String) async throws {
        let stored = try await read("signing key") { connection -> String? in
            try await connection.checkedQuery(
                "INSERT INTO \(unescaped: s).settings (name, value) VALUES (\(Self.signingKeySettingName), \(publicKey)) ON CONFLICT (name) DO NOTHING",
                logger: logger
            )
            let rows = try await connection.checkedQuery(
                "SELECT value FROM \(unescaped: s).settings WHERE name = \(Self.signingKeySettingName)",
                logger: logger
            )
            for try await value in rows.decode(String.self) { return value }
            return nil
        }
        guard stored == publicKey else {
            throw AuditTrailError(
                .invalidInput,
                "signing_key: this log's checkpoints are signed with \(stored ?? "another key"); this server's key is \(publicKey): "
                    + "give every server of one log the same --signing-key file",
                fieldErrors: [.init(field: "signing_key", message: "must be the key the log is signed with (\(stored ?? "?"))")]
            )
        }
    }
}
