/// API keys: stored only as hashes; the secret is shown once.
public protocol AuditKeyStore: Sendable {
    func insertKey(_ key: AuditAPIKey, secretHash: String) async throws
    func keys() async throws -> [AuditAPIKey]
    /// Marks the key revoked; false when no such active key exists.
    func revokeKey(id: String, at time: AuditTime) async throws -> Bool
    /// The active key whose secret hashes to `secretHash`, or nil.
    func key(secretHash: String) async throws -> AuditAPIKey?
}
