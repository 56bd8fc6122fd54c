/// The hash chain over the log's events, stored format v1:
///
/// ```text
/// leaf(n) = SHA-256(0x00 ‖ canonical(n))          the RFC 6962 leaf hash of the Merkle tree
/// hash(n) = SHA-256(hash(n-1) ‖ leaf(n))           hash(0) = 32 zero bytes, or the retention anchor's hash
/// ```
///
/// Each event's canonical bytes are hashed once (into its leaf); the chain links 64-byte inputs.
/// Format 0, the stores and exports written before, chained the canonical bytes directly,
/// `hash(n) = SHA-256(hash(n-1) ‖ canonical(n))`; it is still read (verified and migrated) but
/// never written.
///
/// ```swift
/// let leaf = AuditMerkle.leafHash(canonical)
/// let h1 = AuditChain.next(previous: AuditChain.genesis, leaf: leaf)
/// ```
public enum AuditChain {
    /// A stored format of the chain.
    public enum Format: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// `hash(n) = SHA-256(hash(n-1) ‖ canonical(n))`: read, verified and migrated, never written.
        case v0 = 0
        /// `hash(n) = SHA-256(hash(n-1) ‖ leaf(n))`: what every store writes.
        case v1 = 1

        /// The format new events are sealed in.
        public static let current = Format.v1

        public var description: String { "format \(rawValue)" }

        /// The chain hash of an event after the 32 bytes at `previous`, written to the 32 bytes at
        /// `output` (which may be `previous`); `leaf` holds the event's Merkle leaf hash, which v1
        /// chains and v0 ignores.
        package func next(
            previous: UnsafeRawPointer,
            canonical: UnsafeRawBufferPointer,
            leaf: UnsafeRawPointer,
            into output: UnsafeMutableRawPointer
        ) {
            switch self {
            case .v0: AuditChain.next(previous: previous, canonical: canonical, into: output)
            case .v1: AuditChain.next(previous: previous, leaf: leaf, into: output)
            }
        }
    }

    /// The hash before the first event: 32 zero bytes.
    public static let genesis = AuditHash.zero

    /// The chain hash of an event given the previous event's hash and its Merkle leaf hash.
    public static func next(previous: AuditHash, leaf: AuditHash) -> AuditHash {
        previous.withUnsafeBytes { previous in leaf.withUnsafeBytes { AuditSHA256.hash(previous, $0) } }
    }

    /// The chain hash after the 32 bytes at `previous` of the event whose leaf hash is the 32
    /// bytes at `leaf`, written to the 32 bytes at `output` (which may be either input).
    package static func next(previous: UnsafeRawPointer, leaf: UnsafeRawPointer, into output: UnsafeMutableRawPointer) {
        AuditSHA256.hash(
            UnsafeRawBufferPointer(start: previous, count: AuditHash.byteCount),
            UnsafeRawBufferPointer(start: leaf, count: AuditHash.byteCount),
            into: output
        )
    }

    /// The format-0 chain hash of an event: `SHA-256(previous ‖ canonical)`. Only for reading
    /// stores and exports written before format v1.
    public static func nextV0(previous: AuditHash, canonical: [UInt8]) -> AuditHash {
        previous.withUnsafeBytes { previous in canonical.withUnsafeBytes { AuditSHA256.hash(previous, $0) } }
    }

    /// The format-0 chain hash of `canonical` after the 32 bytes at `previous`, written to the 32
    /// bytes at `output` (which may be `previous`).
    package static func next(previous: UnsafeRawPointer, canonical: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer) {
        AuditSHA256.hash(UnsafeRawBufferPointer(start: previous, count: AuditHash.byteCount), canonical, into: output)
    }

    /// The `seq` written inside canonical bytes (the last top-level `"seq":` key), or nil.
    public static func embeddedSeq(in canonical: [UInt8]) -> Int64? {
        canonical.withUnsafeBytes { embeddedSeq(in: $0) }
    }

    /// The `seq` written inside canonical bytes, read in place.
    package static func embeddedSeq(in bytes: UnsafeRawBufferPointer) -> Int64? {
        // `"seq"` sorts near the end (before severity, tags and time), so search backwards.
        let needle: StaticString = #","seq":"#
        let count = needle.utf8CodeUnitCount
        let pattern = UnsafeRawBufferPointer(start: needle.utf8Start, count: count)
        guard bytes.count > count else { return nil }
        var start = bytes.count - count
        while start >= 0 {
            if bytes[start] == pattern[0], bytes[start + 1] == pattern[1],
                UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)]).elementsEqual(pattern)
            {
                var value: Int64 = 0
                var index = start + count
                var digits = 0
                while index < bytes.count, (48...57).contains(bytes[index]), digits < 19 {
                    value = value &* 10 &+ Int64(bytes[index] - 48)
                    index += 1
                    digits += 1
                }
                return digits > 0 ? value : nil
            }
            start -= 1
        }
        return nil
    }
}
