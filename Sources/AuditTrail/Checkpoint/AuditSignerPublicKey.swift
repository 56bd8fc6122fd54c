import Crypto

/// The public half of an ``AuditSigner``: verifies checkpoint signatures.
///
/// Its text form is the verifier key of Go's `golang.org/x/mod/sumdb/note` and C2SP signed-note:
/// `<name>+<key hash, 8 hex digits>+<base64(0x01 ‖ 32-byte Ed25519 public key)>`, e.g.
/// `PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`. The key hash (key ID) is
/// the first 4 bytes, big-endian, of `SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)`.
///
/// ```swift
/// let key = try AuditSignerPublicKey(text: "audittrail.example+1a2b3c4d+AU...")
/// let checkpoint = try AuditCheckpoint(note: text, verifier: key)
/// ```
public struct AuditSignerPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The signed-note algorithm byte of Ed25519.
    public static let ed25519Algorithm: UInt8 = 0x01

    /// The key name, which appears in every signature line.
    public let name: String
    /// The 32-bit key hash that signature lines carry to say which key signed.
    public let keyID: UInt32
    /// The 32-byte Ed25519 public key.
    public let rawPublicKey: [UInt8]
    private let key: Curve25519.Signing.PublicKey

    /// A verifier from a name and a raw 32-byte Ed25519 public key.
    public init(name: String, rawPublicKey: [UInt8]) throws(AuditTrailError) {
        guard Self.isValidName(name) else {
            throw AuditTrailError.invalid("key", "name must be non-empty UTF-8 without spaces or '+'")
        }
        guard rawPublicKey.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawPublicKey) else {
            throw AuditTrailError.invalid("key", "an Ed25519 public key is 32 bytes")
        }
        self.name = name
        self.rawPublicKey = rawPublicKey
        self.key = key
        self.keyID = Self.keyID(name: name, algorithm: Self.ed25519Algorithm, key: rawPublicKey)
    }

    /// Parses the text form `<name>+<hash hex>+<base64(0x01 ‖ key)>`; the hash must match.
    public init(text: String) throws(AuditTrailError) {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let hash = Self.parseKeyID(parts[1]),
            let blob = AuditBase64.decode(parts[2]), blob.count == 33
        else { throw AuditTrailError.invalid("key", "must be <name>+<8 hex digits>+<base64 key>") }
        guard blob[0] == Self.ed25519Algorithm else {
            throw AuditTrailError.invalid("key", "algorithm must be Ed25519 (0x01)")
        }
        try self.init(name: String(parts[0]), rawPublicKey: Array(blob[1...]))
        guard keyID == hash else { throw AuditTrailError.invalid("key", "key hash does not match the name and key") }
    }

    /// The text form `<name>+<hash hex>+<base64(0x01 ‖ key)>`.
    public var text: String {
        "\(name)+\(Self.hex(keyID))+\(AuditBase64.encode([Self.ed25519Algorithm] + rawPublicKey))"
    }

    public var description: String { text }

    /// Whether `signature` is a valid Ed25519 signature of `message` by this key.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        signature.count == 64 && key.isValidSignature(signature, for: message)
    }

    public static func == (a: AuditSignerPublicKey, b: AuditSignerPublicKey) -> Bool {
        a.name == b.name && a.rawPublicKey == b.rawPublicKey
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(rawPublicKey)
    }

    /// The signed-note key hash: the first 4 bytes of `SHA-256(name ‖ "\n" ‖ algorithm ‖ key)`.
    public static func keyID(name: String, algorithm: UInt8, key: [UInt8]) -> UInt32 {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, algorithm])
        hasher.update(data: key)
        let digest = Array(hasher.finalize())
        return UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
    }

    /// A key name per signed-note: non-empty, no Unicode spaces, no `+`.
    static func isValidName(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
    }

    /// A key hash as the text form and signed notes write it: 8 lower-case hex digits.
    public static func hex(_ id: UInt32) -> String {
        AuditHex.string([UInt8(id >> 24 & 0xFF), UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)])
    }

    /// A key hash from its text form: exactly 8 lower-case hex digits, or nil.
    static func parseKeyID(_ text: some StringProtocol) -> UInt32? {
        var text = String(text)
        var bytes: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        let valid = text.withUTF8 { digits in
            Swift.withUnsafeMutableBytes(of: &bytes) { AuditHex.decode(UnsafeRawBufferPointer(digits), lowerCaseOnly: true, into: $0) }
        }
        guard valid else { return nil }
        return UInt32(bytes.0) << 24 | UInt32(bytes.1) << 16 | UInt32(bytes.2) << 8 | UInt32(bytes.3)
    }
}
