import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Turns a presented API key into a principal: hashes it, looks the hash up in the key store and
/// caches positive answers briefly, so that the ingest hot path does not touch SQLite per request.
///
/// The cache is a `Mutex` held only for dictionary work, never across an `await`. Revocation
/// through the API calls ``invalidate(keyID:)``, which clears the key at once; a lookup that was
/// in flight while the key was revoked does not put it back (a generation counter guards that).
final class AuditKeyAuthenticator: Sendable {
    private struct Entry {
        var principal: AuditPrincipal
        var expires: ContinuousClock.Instant
    }

    private struct Cache {
        var entries: [String: Entry] = [:]
        var generation: UInt64 = 0
    }

    private let keys: any AuditKeyStore
    private let environmentAdminHash: String?
    private let metricsKeyHash: String?
    private let lifetime: Duration
    private let cache = Mutex(Cache())
    private let clock = ContinuousClock()
    static let maximumEntries = 10_000

    /// The principal of `AUDITTRAIL_ADMIN_KEY`.
    static let environmentAdmin = AuditPrincipal(
        keyID: AuditServerConfiguration.environmentAdminKeyID,
        name: AuditServerConfiguration.environmentAdminKeyID,
        role: .admin,
        subject: nil
    )

    init(keys: any AuditKeyStore, environmentAdminKey: String?, metricsKey: String? = nil, cacheMilliseconds: Int64) {
        self.keys = keys
        self.environmentAdminHash = environmentAdminKey.map { AuditAPIKey.hash(secret: $0) }
        self.metricsKeyHash = metricsKey.map { AuditAPIKey.hash(secret: $0) }
        self.lifetime = .milliseconds(max(0, min(cacheMilliseconds, 2000)))
    }

    /// Whether an environment admin key was configured.
    var hasEnvironmentAdmin: Bool { environmentAdminHash != nil }

    /// Whether `headers` carry a key that may read `/metrics`: the metrics key
    /// (``AuditServerConfiguration/metricsKey``) or an active admin key.
    ///
    /// - Throws: ``AuditProblem`` 401 for no key or an unknown or revoked one, 403 for a key of
    ///   another role.
    func requireMetricsReader(_ headers: HTTPFields) async throws {
        guard let secret = Self.presentedKey(in: headers) else {
            throw AuditProblem.unauthorized("/metrics needs the metrics key or an admin key: Authorization: Bearer <key> or X-API-Key: <key>")
        }
        if let metricsKeyHash, AuditAPIKey.hash(secret: secret) == metricsKeyHash { return }
        guard let principal = try await principal(forSecret: secret) else { throw AuditProblem.unauthorized("the API key is unknown or revoked") }
        guard principal.role == .admin else {
            throw AuditProblem.forbidden("a key with the \(principal.role.rawValue) role cannot read /metrics (the metrics key or an admin key can)")
        }
    }

    /// The principal for `secret`, or nil when no active key matches.
    func principal(forSecret secret: String) async throws -> AuditPrincipal? {
        let hash = AuditAPIKey.hash(secret: secret)
        if let environmentAdminHash, hash == environmentAdminHash { return Self.environmentAdmin }
        let now = clock.now
        let (cached, generation) = cache.withLock { cache -> (AuditPrincipal?, UInt64) in
            if let entry = cache.entries[hash], entry.expires > now { return (entry.principal, cache.generation) }
            return (nil, cache.generation)
        }
        if let cached { return cached }
        guard let key = try await keys.key(secretHash: hash), key.revokedAt == nil else { return nil }
        let principal = AuditPrincipal(key: key)
        let expires = clock.now.advanced(by: lifetime)
        cache.withLock { cache in
            guard cache.generation == generation else { return }
            if cache.entries.count >= Self.maximumEntries {
                let now = clock.now
                cache.entries = cache.entries.filter { $0.value.expires > now }
                if cache.entries.count >= Self.maximumEntries { cache.entries.removeAll(keepingCapacity: true) }
            }
            cache.entries[hash] = Entry(principal: principal, expires: expires)
        }
        return principal
    }

    /// Forgets every cached lookup of the key with this id (after revocation).
    func invalidate(keyID: String) {
        cache.withLock { cache in
            cache.generation &+= 1
            cache.entries = cache.entries.filter { $0.value.principal.keyID != keyID }
        }
    }

    /// The key presented in `Authorization: Bearer …` or `X-API-Key`, if any.
    static func presentedKey(in headers: HTTPFields) -> String? {
        if let authorization = headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = parts[1].drop(while: { $0 == " " })
                if !token.isEmpty, !token.contains(" ") { return String(token) }
            }
        }
        if let name = HTTPField.Name("X-API-Key"), let key = headers[name], !key.isEmpty { return key }
        return nil
    }
}
