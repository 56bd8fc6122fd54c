/// A signed tree head in the C2SP tlog-checkpoint format (https://c2sp.org/tlog-checkpoint):
///
/// ```text
/// audittrail.example.com/log
/// 1000
/// 3q2+7w...base64 root...=
/// time 2026-11-22T08:00:00.000Z
///
/// — audittrail.example.com/log Ab3x...base64(key hash ‖ Ed25519 signature)...
/// ```
///
/// The body is the origin line, the tree size in decimal, the base64 RFC 6962 root and optional
/// extension lines; AuditTrail writes one, `time <RFC 3339>`, when the checkpoint has a ``time``.
/// The body is a signed note (``AuditSignedNote``) signed by an ``AuditSigner``.
///
/// ```swift
/// let checkpoint = try AuditCheckpoint(origin: "audittrail.example.com/log", size: builder.size,
///                                      rootHash: builder.root, time: .now())
/// let note = try checkpoint.signedNote(signer: signer)
/// let verified = try AuditCheckpoint(note: note, verifier: signer.publicKey)
/// ```
public struct AuditCheckpoint: Sendable, Hashable {
    /// The log's identity, e.g. `audittrail.example.com/log` (a schemaless URL, per C2SP).
    public var origin: String
    /// The number of leaves (events) in the tree.
    public var size: Int64
    /// The RFC 6962 root of the first ``size`` leaves.
    public var rootHash: AuditHash
    /// When the checkpoint was made, written as the `time` extension line.
    public var time: AuditTime?
    /// Other extension lines, kept verbatim, in order.
    public var extensions: [String]
    /// The key hash of the verified signature (set by ``init(note:verifier:)``).
    public var keyID: UInt32?
    /// The verified signature blob: 4-byte key hash ‖ 64-byte Ed25519 signature (set by ``init(note:verifier:)``).
    public var signature: [UInt8]?

    /// A checkpoint to sign.
    /// - Throws: `.invalidInput` naming `origin`, `tree_size` or `extensions`.
    public init(
        origin: String,
        size: Int64,
        rootHash: AuditHash,
        time: AuditTime? = nil,
        extensions: [String] = []
    ) throws(AuditTrailError) {
        guard Self.isValidLine(origin) else { throw AuditTrailError.invalid("origin", "must be a non-empty line without control characters") }
        guard size >= 0 else { throw AuditTrailError.invalid("tree_size", "must not be negative") }
        guard extensions.allSatisfy({ Self.isValidLine($0) && !$0.hasPrefix("time ") }) else {
            throw AuditTrailError.invalid("extensions", "must be non-empty lines without control characters; time is set by `time`")
        }
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.time = time
        self.extensions = extensions
    }

    /// The note body: origin, size, base64 root, extension lines, each ending in `\n`.
    public var body: String {
        var text = "\(origin)\n\(size)\n\(rootHash.base64)\n"
        if let time { text += "time \(time.rfc3339)\n" }
        for line in extensions { text += line + "\n" }
        return text
    }

    /// The root hash in base64, as on the note's third line.
    public var rootHashBase64: String { rootHash.base64 }

    /// The checkpoint as a signed note, signed by `signer`.
    public func signedNote(signer: AuditSigner) throws(AuditTrailError) -> String {
        try AuditSignedNote(text: body).signed(by: signer).formatted
    }

    static func isValidLine(_ line: String) -> Bool {
        !line.isEmpty && !line.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }
}
