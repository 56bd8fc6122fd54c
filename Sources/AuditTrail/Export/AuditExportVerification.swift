#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of verifying an export file.
public struct AuditExportVerification: Sendable, Hashable {
    /// Whether the file verified: no problem was found.
    public var ok: Bool { problem == nil }
    /// The header, when line 1 parsed.
    public var header: AuditExportHeader?
    /// The header's checkpoint, when its signature verified.
    public var checkpoint: AuditCheckpoint?
    /// Lines read.
    public var lines: Int
    /// Event lines checked before the first problem (all of them when ok).
    public var events: Int64
    /// The seq of the last event line checked.
    public var lastSeq: Int64?
    /// Checkpoint lines of a contiguous export whose signature and root verified on the way.
    public var checkpointsChecked: Int
    /// The first problem: the first bad seq and what is wrong.
    public var problem: AuditChainVerifier.Problem?
    /// The line the problem is on, when it concerns one line.
    public var problemLine: Int?
    /// A contiguous export's chain head after its last event: where the next batch of a stream
    /// must start (its `chain_start`). Nil for a filtered export.
    public var chainEnd: AuditChainHead?
}
