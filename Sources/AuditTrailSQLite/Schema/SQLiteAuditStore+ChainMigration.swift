import AuditTrail
import Logging

extension SQLiteAuditStore {
    /// Records a finished chain-format migration (``SQLiteChainMigration``) as an
    /// `audit.store.migrated` event, then marks it recorded. The event's id is derived from the
    /// log id, so recording it again after a crash stores nothing new.
    func recordChainMigration(_ migration: SQLiteChainMigration.Finished) async throws {
        let logID = try await logID()
        let input = AuditEventInput(
            id: Self.chainMigrationEventID(logID: logID),
            action: "audit.store.migrated",
            outcome: .success,
            actor: AuditEvent.Actor(id: "audittrail", name: "audittrail", type: "system"),
            resource: .init(type: "audit_log", id: logID),
            metadata: [
                "from_chain_format": .int(Int64(migration.fromFormat)),
                "to_chain_format": .int(Int64(AuditChain.Format.current.rawValue)),
                "events_rechained": .int(migration.rewritten),
                "through_seq": .int(migration.throughSeq),
            ]
        )
        _ = try await append([AuditEventValidator().prepare(input)])
        _ = try await onAppendConnection("chain migration record") { try $0.execute("DELETE FROM chain_migration") }
        logger.notice(
            "audit store migrated to chain format 1",
            metadata: ["audit.chain.rechained": "\(migration.rewritten)", "audit.chain.seq": "\(migration.throughSeq)"]
        )
    }

    /// A UUID (version 8, RFC 9562) from a SHA-256 of the log id: the same for every record of
    /// one log's migration.
    static func chainMigrationEventID(logID: String) -> String {
        var bytes = Array(AuditMerkle.leafHash(Array("audittrail chain format 1 migration \(logID)".utf8)).bytes.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = AuditHex.string(bytes)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex[hex.index(hex.startIndex, offsetBy: range.lowerBound)..<hex.index(hex.startIndex, offsetBy: range.upperBound)])
        }
        return parts.joined(separator: "-")
    }
}
