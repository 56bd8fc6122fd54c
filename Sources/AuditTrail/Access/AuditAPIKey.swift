/// An API key's public record (never the secret).
public struct AuditAPIKey: Sendable, Hashable {
    public var id: String
    public var name: String
    public var role: AuditRole
    /// For viewers: the `actor.id` whose events the key may read.
    public var subject: String?
    public var createdAt: AuditTime
    public var revokedAt: AuditTime?

    public init(id: String, name: String, role: AuditRole, subject: String?, createdAt: AuditTime, revokedAt: AuditTime? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.subject = subject
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Makes a new key: the record and the secret to show once.
    ///
    /// ```swift
    /// let (key, secret) = try AuditAPIKey.generate(name: "ci", role: .writer)
    /// try await store.insertKey(key, secretHash: AuditAPIKey.hash(secret: secret))
    /// ```
    public static func generate(
        name: String,
        role: AuditRole,
        subject: String? = nil,
        now: AuditTime = .now()
    ) throws(AuditTrailError) -> (AuditAPIKey, String) {
        try validate(name: name, role: role, subject: subject)
        var generator = SystemRandomNumberGenerator()
        let secretBytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let idBytes = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let key = AuditAPIKey(id: "key_" + AuditHex.string(idBytes), name: name, role: role, subject: subject, createdAt: now)
        return (key, "atk_" + AuditBase64.encode(secretBytes, urlSafe: true))
    }

    /// Checks the fields of a key request; errors name the field.
    public static func validate(name: String, role: AuditRole, subject: String?) throws(AuditTrailError) {
        var r = FieldReader(prefix: "")
        if name.isEmpty || name.exceedsLength(128) { r.fail("name", "must be 1 to 128 characters") }
        if role == .viewer, subject?.isEmpty ?? true { r.fail("subject", "is required for the viewer role (the actor.id it may read)") }
        if role != .viewer, subject != nil { r.fail("subject", "is only for the viewer role") }
        if let subject, subject.exceedsLength(256) { r.fail("subject", "must be at most 256 characters") }
        try r.throwIfFailed()
    }

    /// The stored form of a secret: hex SHA-256 (``digest(secret:)`` in hex).
    public static func hash(secret: String) -> String {
        digest(secret: secret).hex
    }

    /// SHA-256 of a secret's UTF-8 bytes, read in place: what a server compares and caches per
    /// request without making a string of the secret or of its hash.
    public static func digest(secret: some StringProtocol) -> AuditHash {
        var secret = String(secret)
        return secret.withUTF8 { digest(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// SHA-256 of the UTF-8 bytes of a secret.
    public static func digest(utf8 bytes: UnsafeRawBufferPointer) -> AuditHash {
        AuditSHA256.hash(bytes, UnsafeRawBufferPointer(start: nil, count: 0))
    }
}

extension AuditEventInput {
    /// The event recorded when `key` is created (by the server's key route or the CLI).
    public static func keyCreated(_ key: AuditAPIKey, by actor: AuditEvent.Actor) -> AuditEventInput {
        var metadata: [String: JSONValue] = ["role": .string(key.role.rawValue)]
        if let subject = key.subject { metadata["subject"] = .string(subject) }
        return AuditEventInput(
            action: "audit.key.created",
            actor: actor,
            resource: .init(type: "api_key", id: key.id, name: key.name),
            metadata: .object(metadata)
        )
    }

    /// The event recorded when the key `id` is revoked.
    public static func keyRevoked(id: String, by actor: AuditEvent.Actor) -> AuditEventInput {
        AuditEventInput(action: "audit.key.revoked", actor: actor, resource: .init(type: "api_key", id: id))
    }
}
