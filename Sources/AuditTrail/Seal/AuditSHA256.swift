import CAuditSHA256
import Crypto

/// SHA-256 of up to three concatenated parts, written in place: through the x86 SHA extensions
/// where the CPU has them (`CAuditSHA256`), else through swift-crypto. Every hash of the log —
/// chain, Merkle leaf, Merkle node — goes through here, so appends and verification hash alike.
///
/// swift-crypto's `SHA256` allocates, locks and zeroes a context per hash; for the ~300-byte
/// events of a log that overhead cost as much as the hashing itself in `verifyLog`.
///
/// ```swift
/// AuditSHA256.hash(previous, canonical, into: output)
/// ```
enum AuditSHA256 {
    /// Whether this CPU runs the SHA-extension code.
    static let hardware = caudit_sha256_available() == 1

    /// `SHA-256(a ‖ b ‖ c)` written to the 32 bytes at `output` (which may overlap an input:
    /// every input is read before the output is written). `useHardware` is for tests.
    static func hash(
        _ a: UnsafeRawBufferPointer,
        _ b: UnsafeRawBufferPointer,
        _ c: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
        into output: UnsafeMutableRawPointer,
        useHardware: Bool = hardware
    ) {
        if useHardware {
            caudit_sha256(
                a.baseAddress,
                a.count,
                b.baseAddress,
                b.count,
                c.baseAddress,
                c.count,
                output.assumingMemoryBound(to: UInt8.self)
            )
            return
        }
        var hasher = SHA256()
        hasher.update(bufferPointer: a)
        hasher.update(bufferPointer: b)
        hasher.update(bufferPointer: c)
        hasher.finalize().withUnsafeBytes { output.copyMemory(from: $0.baseAddress!, byteCount: AuditHash.byteCount) }
    }

    /// `SHA-256(a ‖ b ‖ c)` as a value.
    static func hash(
        _ a: UnsafeRawBufferPointer,
        _ b: UnsafeRawBufferPointer,
        _ c: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    ) -> AuditHash {
        AuditHash { hash(a, b, c, into: $0) }
    }
}
