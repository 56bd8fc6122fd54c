import AuditTrail
import NIOCore
import SQLiteNIO

extension SQLiteData {
    static func bytes(_ bytes: [UInt8]) -> SQLiteData { .blob(ByteBuffer(bytes: bytes)) }
    /// A hash as its 32-byte blob.
    static func hash(_ hash: AuditHash) -> SQLiteData { hash.withUnsafeBytes { .blob(ByteBuffer(bytes: $0)) } }
    static func optionalText(_ text: String?) -> SQLiteData { text.map(SQLiteData.text) ?? .null }
}

extension SQLiteRow {
    /// The BLOB (or TEXT) column `name` as bytes; empty when NULL or absent.
    func bytes(_ name: String) -> [UInt8] {
        switch column(name) {
        case .blob(let buffer)?: Array(buffer.readableBytesView)
        case .text(let text)?: Array(text.utf8)
        default: []
        }
    }

    /// The BLOB column `name` as a hash; nil when it is not 32 bytes (or NULL or absent).
    func hash(_ name: String) -> AuditHash? {
        guard case .blob(let buffer)? = column(name) else { return nil }
        return AuditHash(bytes: buffer.readableBytesView)
    }

    func int64(_ name: String) -> Int64? { column(name)?.integer.map { Int64($0) } }

    func text(_ name: String) -> String? { column(name)?.string }

    /// A stored event row selected as `seq, id, canonical, hash`.
    func storedEvent() throws(AuditTrailError) -> AuditStoredEvent {
        guard let seq = int64("seq"), let id = text("id") else {
            throw AuditTrailError(.storeFailure, "an event row lacks seq or id")
        }
        guard let hash = hash("hash") else {
            throw AuditTrailError(.tampered, "the stored chain hash of seq \(seq) is not 32 bytes", seq: seq)
        }
        return AuditStoredEvent(seq: seq, id: id, canonical: bytes("canonical"), hash: hash)
    }
}

extension SQLiteConnection {
    /// Runs `sql` and ignores its rows (pragmas, DDL, BEGIN/COMMIT).
    func execute(_ sql: String, _ binds: [SQLiteData] = []) async throws {
        _ = try await query(sql, binds)
    }
}

/// Wraps a driver failure so that callers see an ``AuditTrailError`` whose message names the
/// operation, never a bound value.
///
/// A full disk (`SQLITE_FULL`, or an I/O error whose system error is `ENOSPC`) becomes
/// ``AuditTrailError/Code/storeFull``: SQLite rolled the statement back, the store is unchanged,
/// and the same work succeeds once space is freed.
func storeFailure(_ operation: String, _ error: any Error) -> AuditTrailError {
    if let error = error as? AuditTrailError { return error }
    if isDiskFull(error) {
        return AuditTrailError(
            .storeFull,
            "SQLite \(operation) failed: the disk of the data directory is full (SQLITE_FULL / ENOSPC)",
            underlying: error
        )
    }
    return AuditTrailError(.storeFailure, "SQLite \(operation) failed", underlying: error)
}

/// Whether a driver failure means the disk is full.
func isDiskFull(_ error: any Error) -> Bool {
    switch error {
    case let failure as SQLiteRawConnection.Failure:
        return failure.isDiskFull
    case let failure as SQLiteError:
        return failure.reason == .full
    default:
        return false
    }
}
