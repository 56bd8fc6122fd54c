import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Turns a presented API key into a principal: hashes it, looks the hash up in the key store and
/// caches positive answers briefly, so that the ingest hot path does not touch SQLite per request.
/// The key is hashed where the header holds it and the cache is keyed by the 32-byte hash: no
/// string of the secret or of its hash per request (the hex form only for a store look-up).
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
        var entries: [AuditHash: Entry] = [:]
        var generation: UInt64 = 0
    }

    private let keys: any AuditKeyStore
    private let environmentAdminHash: AuditHash?
    private let metricsKeyHash: AuditHash?
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
        self.environmentAdminHash = environmentAdminKey.map { AuditAPIKey.digest(secret: $0) }
        self.metricsKeyHash = metricsKey.map { AuditAPIKey.digest(secret: $0) }
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
        guard let digest = Self.presentedKeyDigest(in: headers) else {
            throw AuditProblem.unauthorized("/metrics needs the metrics key or an admin key: Authorization: Bearer <key> or X-API-Key: <key>")
        }
        if let metricsKeyHash, digest == metricsKeyHash { return }
        guard let principal = try await principal(forDigest: digest) else { throw AuditProblem.unauthorized("the API key is unknown or revoked") }
        guard principal.role == .admin else {
            throw AuditProblem.forbidden("a key with the \(principal.role.rawValue) role cannot read /metrics (the metrics key or an admin key can)")
        }
    }

    /// The principal of the key whose SHA-256 is `hash` (``AuditAPIKey/digest(secret:)``), or nil
    /// when no active key matches.
    func principal(forDigest hash: AuditHash) async throws -> AuditPrincipal? {
        if let environmentAdminHash, hash == environmentAdminHash { return Self.environmentAdmin }
        let now = clock.now
        let (cached, generation) = cache.withLock { cache -> (AuditPrincipal?, UInt64) in
            if let entry = cache.entries[hash], entry.expires > now { return (entry.principal, cache.generation) }
            return (nil, cache.generation)
        }
        if let cached { return cached }
        guard let key = try await keys.key(secretHash: hash.hex), key.revokedAt == nil else { return nil }
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

    /// The SHA-256 of the key presented in `Authorization: Bearer …` or `X-API-Key`, if any,
    /// hashed where the header holds it.
    static func presentedKeyDigest(in headers: HTTPFields) -> AuditHash? {
        if let authorization = headers[.authorization] {
            var value = authorization
            let digest = value.withUTF8 { bytes -> AuditHash? in
                bearerToken(in: UnsafeRawBufferPointer(bytes)).map { AuditAPIKey.digest(utf8: UnsafeRawBufferPointer(rebasing: $0)) }
            }
            if let digest { return digest }
        }
        if let key = headers[apiKeyField], !key.isEmpty { return AuditAPIKey.digest(secret: key) }
        return nil
    }

    /// `X-API-Key`.
    static let apiKeyField = HTTPField.Name("X-API-Key")!

    /// The token of `Bearer <token>` (the scheme in any case, spaces after it skipped; a token
    /// is non-empty and holds no space), or nil.
    static func bearerToken(in value: UnsafeRawBufferPointer) -> Slice<UnsafeRawBufferPointer>? {
        let scheme = "bearer".utf8
        guard value.count > scheme.count + 1, value[scheme.count] == UInt8(ascii: " ") else { return nil }
        for (offset, letter) in scheme.enumerated() where value[offset] | 0x20 != letter { return nil }
        var start = scheme.count + 1
        while start < value.count, value[start] == UInt8(ascii: " ") { start += 1 }
        let token = value[start...]
        guard !token.isEmpty, !token.contains(UInt8(ascii: " ")) else { return nil }
        return token
    }
}
