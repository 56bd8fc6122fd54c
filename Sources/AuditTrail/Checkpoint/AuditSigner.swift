import Crypto

/// An Ed25519 signing key for checkpoints, with its signed-note key name.
///
/// Its text form (the private key file's content) is the signer key of Go's
/// `golang.org/x/mod/sumdb/note`: `PRIVATE+KEY+<name>+<key hash, 8 hex>+<base64(0x01 ‖ 32-byte seed)>`.
/// The public half is ``publicKey`` (text `<name>+<key hash>+<base64(0x01 ‖ public key)>`).
/// ``description`` never shows the private key.
///
/// ```swift
/// let signer = try AuditSigner.generate(name: "audittrail.example.com")
/// let note = try AuditCheckpoint(origin: "audittrail.example.com", size: 3, rootHash: root).signedNote(signer: signer)
/// print(signer.publicKey.text)
/// ```
public struct AuditSigner: Sendable, CustomStringConvertible {
    /// The key name written in every signature line.
    public var name: String { publicKey.name }
    /// The 32-bit key hash written in every signature.
    public var keyID: UInt32 { publicKey.keyID }
    /// The verifier key to publish.
    public let publicKey: AuditSignerPublicKey
    private let key: Curve25519.Signing.PrivateKey

    /// A new random key.
    public static func generate(name: String) throws(AuditTrailError) -> AuditSigner {
        let key = Curve25519.Signing.PrivateKey()
        return try AuditSigner(name: name, key: key)
    }

    /// The key of a 32-byte Ed25519 seed (RFC 8032 private key).
    public init(name: String, seed: [UInt8]) throws(AuditTrailError) {
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw AuditTrailError.invalid("private_key", "an Ed25519 seed is 32 bytes")
        }
        try self.init(name: name, key: key)
    }

    private init(name: String, key: Curve25519.Signing.PrivateKey) throws(AuditTrailError) {
        self.key = key
        self.publicKey = try AuditSignerPublicKey(name: name, rawPublicKey: Array(key.publicKey.rawRepresentation))
    }

    /// Parses the text form `PRIVATE+KEY+<name>+<hash hex>+<base64(0x01 ‖ seed)>`; the hash must match.
    ///
    /// Surrounding whitespace (a trailing newline in a key file) is ignored.
    public init(privateKeyText: String) throws(AuditTrailError) {
        let trimmed = privateKeyText.trimmingASCIIWhitespace
        let parts = trimmed.split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY",
            let hash = AuditSignerPublicKey.parseKeyID(parts[3]),
            let blob = AuditBase64.decode(parts[4]), blob.count == 33
        else { throw AuditTrailError.invalid("private_key", "must be PRIVATE+KEY+<name>+<8 hex digits>+<base64 seed>") }
        guard blob[0] == AuditSignerPublicKey.ed25519Algorithm else {
            throw AuditTrailError.invalid("private_key", "algorithm must be Ed25519 (0x01)")
        }
        try self.init(name: String(parts[2]), seed: Array(blob[1...]))
        guard keyID == hash else {
            throw AuditTrailError.invalid("private_key", "key hash does not match the name and key")
        }
    }

    /// The private key's text form; a secret — write it only to a 0600 file (``save(to:)``).
    public var privateKeyText: String {
        let seed = Array(key.rawRepresentation)
        return "PRIVATE+KEY+\(name)+\(AuditSignerPublicKey.hex(keyID))+"
            + AuditBase64.encode([AuditSignerPublicKey.ed25519Algorithm] + seed)
    }

    /// The Ed25519 signature (64 bytes) of `message`.
    public func signature(for message: [UInt8]) throws(AuditTrailError) -> [UInt8] {
        do {
            return Array(try key.signature(for: message))
        } catch {
            throw AuditTrailError(.storeFailure, "Ed25519 signing failed", underlying: error)
        }
    }

    public var description: String { "AuditSigner(\(name)+\(AuditSignerPublicKey.hex(keyID)))" }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs, CR and LF.
    var trimmingASCIIWhitespace: String {
        let bytes = Array(utf8)
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
            let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
