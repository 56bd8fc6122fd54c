/// A C2SP signed note (https://c2sp.org/signed-note, Go's `golang.org/x/mod/sumdb/note`): UTF-8
/// text ending in a newline, a blank line, then one or more signature lines
/// `— <key name> <base64(4-byte key hash ‖ signature)>\n` (the dash is U+2014).
///
/// Parsing is strict: invalid UTF-8, control characters other than newline, a missing blank line,
/// a signature line without the em dash, a bad name, non-canonical base64, a short signature blob,
/// a missing final newline or more than 100 signatures are all `.invalidInput` on field `note`.
///
/// ```swift
/// let note = try AuditSignedNote(text: "hello\n").signed(by: signer)
/// let verified = try AuditSignedNote(parsing: note.formatted).verifiedSignatures(by: [signer.publicKey])
/// ```
public struct AuditSignedNote: Sendable, Hashable {
    /// One signature line.
    public struct Signature: Sendable, Hashable {
        /// The key name on the line.
        public var name: String
        /// The 4-byte key hash that starts the signature blob, big-endian.
        public var keyID: UInt32
        /// The signature itself (64 bytes for Ed25519), after the key hash.
        public var signature: [UInt8]

        public init(name: String, keyID: UInt32, signature: [UInt8]) {
            self.name = name
            self.keyID = keyID
            self.signature = signature
        }

        /// `— <name> <base64(key hash ‖ signature)>\n`.
        public var line: String {
            let hash = [UInt8(keyID >> 24 & 0xFF), UInt8(keyID >> 16 & 0xFF), UInt8(keyID >> 8 & 0xFF), UInt8(keyID & 0xFF)]
            return "\u{2014} \(name) \(AuditBase64.encode(hash + signature))\n"
        }
    }

    /// The most signature lines a note may carry (as in Go's `note` package).
    public static let maxSignatures = 100

    /// The signed text, ending in a newline.
    public var text: String
    /// The signature lines in order.
    public var signatures: [Signature]

    /// An unsigned note over `text`, which must be non-empty UTF-8 ending in `\n` with no control
    /// characters other than newline.
    public init(text: String, signatures: [Signature] = []) throws(AuditTrailError) {
        guard Self.isValidText(Array(text.utf8)) else {
            throw AuditTrailError.invalid("note", "text must end in a newline and hold no control characters")
        }
        self.text = text
        self.signatures = signatures
    }

    /// Parses a signed note without verifying any signature.
    public init(parsing note: String) throws(AuditTrailError) {
        let bytes = Array(note.utf8)
        func malformed(_ rule: String) -> AuditTrailError { AuditTrailError.invalid("note", rule) }
        guard !bytes.contains(where: { $0 < 0x20 && $0 != 0x0A || $0 == 0x7F }) else {
            throw malformed("must hold no control characters other than newline")
        }
        var split = -1
        var index = bytes.count - 2
        while index >= 0 {
            if bytes[index] == 0x0A && bytes[index + 1] == 0x0A {
                split = index
                break
            }
            index -= 1
        }
        guard split >= 0 else { throw malformed("must have a blank line between the text and the signatures") }
        let textBytes = Array(bytes[...split])
        guard Self.isValidText(textBytes) else { throw malformed("text must not be empty") }
        let signatureBytes = bytes[(split + 2)...]
        guard !signatureBytes.isEmpty else { throw malformed("must have at least one signature line") }
        guard signatureBytes.last == 0x0A else { throw malformed("must end in a newline") }
        var signatures: [Signature] = []
        for rawLine in signatureBytes.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false) {
            let line = String(decoding: rawLine, as: UTF8.self)
            guard line.hasPrefix("\u{2014} ") else { throw malformed("signature lines must start with an em dash and a space") }
            let rest = line.dropFirst(2)
            guard let space = rest.firstIndex(of: " ") else { throw malformed("signature lines must be '— <name> <base64>'") }
            let name = rest[..<space]
            guard AuditSignerPublicKey.isValidName(name) else { throw malformed("signature key name is not valid") }
            guard let blob = AuditBase64.decode(rest[rest.index(after: space)...]), blob.count >= 5 else {
                throw malformed("signature must be canonical base64 of at least 5 bytes")
            }
            let keyID = blob[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            signatures.append(Signature(name: String(name), keyID: keyID, signature: Array(blob[4...])))
            guard signatures.count <= Self.maxSignatures else { throw malformed("has more than 100 signatures") }
        }
        self.text = String(decoding: textBytes, as: UTF8.self)
        self.signatures = signatures
    }

    /// The note with a signature by `signer` added (replacing an earlier one by the same key).
    public func signed(by signer: AuditSigner) throws(AuditTrailError) -> AuditSignedNote {
        let signature = try signer.signature(for: Array(text.utf8))
        var copy = self
        copy.signatures.removeAll { $0.name == signer.name && $0.keyID == signer.keyID }
        copy.signatures.append(Signature(name: signer.name, keyID: signer.keyID, signature: signature))
        return copy
    }

    /// The note as text: the text, a blank line, the signature lines.
    public var formatted: String {
        text + "\n" + signatures.map(\.line).joined()
    }

    /// The signatures made by any of `keys`, after checking every one of them.
    ///
    /// Lines by unknown keys (another name or key hash) are ignored, as signed-note prescribes.
    /// - Throws: `.tampered` on field `signature` when a line by a known key does not verify;
    ///   `.tampered` on field `key` when no line is by a known key.
    public func verifiedSignatures(by keys: [AuditSignerPublicKey]) throws(AuditTrailError) -> [Signature] {
        let message = Array(text.utf8)
        var verified: [Signature] = []
        for signature in signatures {
            guard let key = keys.first(where: { $0.name == signature.name && $0.keyID == signature.keyID }) else { continue }
            guard key.isValidSignature(signature.signature, for: message) else {
                throw AuditTrailError(
                    .tampered,
                    "invalid signature for key \(key.name)+\(AuditSignerPublicKey.hex(key.keyID))",
                    fieldErrors: [.init(field: "signature", message: "does not verify")]
                )
            }
            if !verified.contains(signature) { verified.append(signature) }
        }
        guard !verified.isEmpty else {
            let names = keys.map { "\($0.name)+\(AuditSignerPublicKey.hex($0.keyID))" }.joined(separator: ", ")
            throw AuditTrailError(
                .tampered,
                "note has no signature by a known key (\(names))",
                fieldErrors: [.init(field: "key", message: "no signature by a known key")]
            )
        }
        return verified
    }

    static func isValidText(_ bytes: [UInt8]) -> Bool {
        !bytes.isEmpty && bytes.last == 0x0A && !bytes.contains { $0 < 0x20 && $0 != 0x0A || $0 == 0x7F }
    }
}
