/// A SHA-256 hash of the log — a chain hash, a Merkle leaf, node or root — as a value: exactly
/// 32 bytes, kept inline (four words, no heap allocation), compared and hashed word by word.
///
/// Its text forms are the ones the log writes: lower-case ``hex`` in JSON and export files,
/// standard ``base64`` in checkpoints and proof routes. ``init(hex:)`` accepts lower-case hex
/// only, so that one hash has one hex form, as export files require (``AuditBase64`` is strict in
/// the same way).
///
/// ```swift
/// let leaf = AuditMerkle.leafHash(event.canonical)
/// let hash = AuditChain.next(previous: .zero, leaf: leaf)
/// print(hash)                                  // "9f86d081…" (64 lower-case hex digits)
/// AuditHash(hex: hash.hex) == hash             // true
/// AuditHash(base64: checkpoint.rootHashBase64) // the checkpoint's root
/// ```
public struct AuditHash: Sendable, Hashable, CustomStringConvertible {
    /// The number of bytes in a hash.
    public static let byteCount = 32

    /// 32 zero bytes: the chain hash before the first event (``AuditChain/genesis``).
    public static let zero = AuditHash(words: (0, 0, 0, 0))

    /// The 32 bytes in memory order: each word holds the next 8 bytes as they sit in memory, so
    /// ``withUnsafeBytes(_:)`` reads the hash's bytes in order.
    private var words: (UInt64, UInt64, UInt64, UInt64)

    private init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    /// The hash made of exactly 32 bytes, or nil for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        let copied = bytes.withContiguousStorageIfAvailable { Self(UnsafeRawPointer($0.baseAddress!)) }
        self = copied ?? Array(bytes).withUnsafeBytes { Self($0.baseAddress!) }
    }

    /// The hash whose lower-case hex (64 digits) is `hex`, or nil; upper-case digits are refused.
    public init?(hex: some StringProtocol) {
        var text = String(hex)
        guard let hash = text.withUTF8({ Self(hexDigits: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = hash
    }

    /// The hash whose canonical standard base64 (44 characters, with padding) is `base64`, or nil.
    public init?(base64: some StringProtocol) {
        guard let bytes = AuditBase64.decode(base64) else { return nil }
        self.init(bytes: bytes)
    }

    /// The 32 bytes at `pointer`.
    package init(_ pointer: UnsafeRawPointer) {
        words = (
            pointer.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
            pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
            pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
        )
    }

    /// The hash whose 64 lower-case hex digits are read in place, or nil (no allocation).
    package init?(hexDigits digits: UnsafeRawBufferPointer) {
        var hash = Self.zero
        let valid = hash.withUnsafeMutableBytes { AuditHex.decode(digits, lowerCaseOnly: true, into: $0) }
        guard valid else { return nil }
        self = hash
    }

    /// The hash computed by `body`, which writes 32 bytes at the pointer it is given.
    package init(computing body: (UnsafeMutableRawPointer) -> Void) {
        var hash = Self.zero
        hash.withUnsafeMutableBytes { body($0.baseAddress!) }
        self = hash
    }

    /// The 32 bytes, as a new array.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Lower-case hex, 64 digits: how JSON bodies and export files write hashes.
    public var hex: String { withUnsafeBytes { AuditHex.string($0) } }

    /// Standard base64 with padding, 44 characters: how checkpoints and proof routes write hashes.
    public var base64: String { AuditBase64.encode(bytes) }

    /// The lower-case hex.
    public var description: String { hex }

    /// Calls `body` with the 32 bytes in place.
    public func withUnsafeBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try Swift.withUnsafeBytes(of: words, body)
    }

    /// Calls `body` with the 32 bytes in place, to write them.
    package mutating func withUnsafeMutableBytes<Result>(_ body: (UnsafeMutableRawBufferPointer) throws -> Result) rethrows -> Result {
        try Swift.withUnsafeMutableBytes(of: &words, body)
    }

    /// Whether the 32 bytes at `pointer` are this hash.
    package func equals(_ pointer: UnsafeRawPointer) -> Bool {
        let difference =
            (words.0 ^ pointer.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            | (words.1 ^ pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            | (words.2 ^ pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
            | (words.3 ^ pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        return difference == 0
    }

    public static func == (lhs: AuditHash, rhs: AuditHash) -> Bool {
        (lhs.words.0 ^ rhs.words.0) | (lhs.words.1 ^ rhs.words.1) | (lhs.words.2 ^ rhs.words.2) | (lhs.words.3 ^ rhs.words.3) == 0
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
