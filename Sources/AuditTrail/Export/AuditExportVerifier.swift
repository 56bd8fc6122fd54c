#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Verifies an "AuditTrail export v1" file (``AuditExportFormat``) offline, with nothing but the
/// log's public key: no server, no database. It reads the file as it comes — whole lines with
/// ``check(line:)`` or arbitrary byte chunks with ``feed(_:)`` — keeping only the chain head, the
/// Merkle tree's right edge and the current line, so memory stays constant on a file of any size.
///
/// It checks the header's checkpoint signature with the key (`bad_signature` naming the key
/// otherwise) and that the header's tree size and root are the signed ones; recovers each event's
/// canonical bytes exactly from its line (a line without the fixed `,"hash":"<hex>"}` suffix is an
/// error naming the line); and requires seqs strictly ascending.
///
/// - A **contiguous** export (no filter) proves that its events are exactly the leaves
///   `chain_start.seq … tree_size - 1` of the signed tree: seqs are gap-free from
///   `chain_start.seq + 1`, the chain hash of each line is recomputed from `chain_start` (edited,
///   missing, inserted, reordered name the first bad seq), the leaves are appended to a tree grown
///   from the header's frontier, and at `tree_size` its root must be the signed root; a file that
///   stops earlier is truncated. A forged frontier cannot reach the signed root. The chain hash of
///   `chain_start` itself is signed only when it is the genesis (an export from seq 1); after
///   retention it is the anchor's, and the chain is then checked relative to it.
/// - A **filtered** export proves that each event is in the signed log (its inclusion proof leads
///   to the signed root) — not that the file holds every event matching the filter, and not the
///   event's `hash` field (a chain hash needs the previous event, which is not in the file).
///
/// In both, the trailer must be there and count the events (a cut-off file is truncated).
///
/// ```swift
/// var verifier = AuditExportVerifier(publicKey: key)
/// for chunk in file { verifier.feed(chunk); if verifier.isFinished { break } }
/// let result = verifier.finish()
/// if let problem = result.problem { print("line \(result.problemLine ?? 0): \(problem)") }
/// ```
public struct AuditExportVerifier: Sendable {
    /// The log's key: the header's checkpoint must be signed by it.
    public let publicKey: AuditSignerPublicKey
    /// The parsed header, once line 1 was read.
    public internal(set) var header: AuditExportHeader?
    /// The verified checkpoint of the header.
    public internal(set) var checkpoint: AuditCheckpoint?
    /// Lines read so far.
    public internal(set) var lineNumber = 0
    /// Event lines checked so far.
    public internal(set) var events: Int64 = 0
    /// The seq of the last event line checked.
    public internal(set) var lastSeq: Int64?
    /// Bytes fed so far with ``feed(_:)``.
    public internal(set) var bytesRead: Int64 = 0
    /// The first problem found; the line it is on in ``problemLine``.
    public internal(set) var problem: AuditChainVerifier.Problem?
    /// The line number of ``problem``, when it concerns a line.
    public internal(set) var problemLine: Int?

    var chain: AuditChainVerifier?
    var tree: AuditMerkleTreeBuilder?
    /// A filtered export's event waiting for its inclusion proof line: its seq and leaf hash.
    var awaitingProof: (seq: Int64, leaf: AuditHash)?
    /// A contiguous export's gap: seq `expected` was due but `found` came; the rest of the file is
    /// scanned for `expected` to tell a reordered file from a missing event.
    var gap: (expected: Int64, found: Int64, line: Int)?
    var trailer: (events: Int64, lastSeq: Int64?)?
    /// A contiguous export's events up to this seq hash to a signed root (a checkpoint line, or
    /// the anchor the file starts from); a root that does not match names the seq after it.
    var vouched: Int64 = 0
    /// Checkpoint lines whose signature and root verified.
    public internal(set) var checkpointsChecked = 0
    var partialLine: [UInt8] = []

    /// A verifier for an export of the log whose checkpoints `publicKey` signs.
    public init(publicKey: AuditSignerPublicKey) { self.publicKey = publicKey }

    /// Whether the outcome is decided (a problem was found); reading more changes nothing.
    public var isFinished: Bool { problem != nil }

    /// The seq the next event line should have (contiguous), or one past the last seen.
    var nextSeq: Int64 { (lastSeq ?? header?.chainStart?.seq ?? 0) + 1 }

    /// Feeds bytes of the file in any chunking; complete lines are checked as they end.
    public mutating func feed(_ chunk: some Collection<UInt8>) {
        if chunk.withContiguousStorageIfAvailable({ feed(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            feed(Array(chunk))
        }
    }

    /// ``feed(_:)`` on bytes in place: lines are found with `memchr` and checked where they lie.
    mutating func feed(bytes: UnsafeRawBufferPointer) {
        bytesRead += Int64(bytes.count)
        guard let base = bytes.baseAddress else { return }
        var start = 0
        while !isFinished, start < bytes.count, let found = memchr(base + start, 0x0A, bytes.count - start) {
            let newline = UnsafeRawPointer(found) - base
            let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<newline])
            if partialLine.isEmpty {
                check(line: piece)
            } else {
                partialLine += piece
                let line = partialLine
                partialLine.removeAll(keepingCapacity: true)
                check(line: line)
            }
            start = newline + 1
        }
        guard !isFinished else { return }
        partialLine += bytes[start...]
        if partialLine.count > AuditExportFormat.maximumLineBytes {
            fail(
                .edited,
                seq: nextSeq,
                line: lineNumber + 1,
                "line \(lineNumber + 1) is longer than \(AuditExportFormat.maximumLineBytes) bytes; not an export line"
            )
        }
    }

    /// Checks one whole line, without its `\n`.
    public mutating func check(line: some Collection<UInt8>) {
        guard !isFinished else { return }
        lineNumber += 1
        guard header != nil else { return checkHeader(line) }
        if trailer != nil {
            return fail(.inserted, seq: nextSeq, line: lineNumber, "line \(lineNumber) comes after the trailer")
        }
        switch AuditExportFormat.kind(of: line) {
        case .event: checkEvent(line)
        case .proof: checkProof(line)
        case .checkpoint: checkCheckpoint(line)
        case .trailer: checkTrailer(line)
        case .header: fail(.inserted, seq: nextSeq, line: lineNumber, "line \(lineNumber) is a second header")
        }
    }

    /// Ends the file: decides what a pending gap was and whether the file is complete.
    public mutating func finish() -> AuditExportVerification {
        if problem == nil { checkEnd() }
        return AuditExportVerification(
            header: header,
            checkpoint: checkpoint,
            lines: lineNumber,
            events: events,
            lastSeq: lastSeq,
            checkpointsChecked: checkpointsChecked,
            problem: problem,
            problemLine: problemLine,
            chainEnd: chain?.head
        )
    }

    /// Verifies a whole file given as a sequence of byte chunks; `progress` is called after each
    /// chunk with the bytes read so far and the events checked.
    public static func verify(
        chunks: some Sequence<[UInt8]>,
        publicKey: AuditSignerPublicKey,
        progress: ((_ bytesRead: Int64, _ events: Int64) -> Void)? = nil
    ) -> AuditExportVerification {
        var verifier = AuditExportVerifier(publicKey: publicKey)
        for chunk in chunks {
            verifier.feed(chunk)
            progress?(verifier.bytesRead, verifier.events)
            if verifier.isFinished { break }
        }
        return verifier.finish()
    }

    mutating func fail(_ kind: AuditChainVerifier.Problem.Kind, seq: Int64, line: Int?, _ detail: String) {
        guard problem == nil else { return }
        problem = .init(seq: seq, kind: kind, detail: detail)
        problemLine = line
    }
}
