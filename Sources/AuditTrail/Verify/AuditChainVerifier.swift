/// Walks stored rows in seq order and reports the first one that breaks the chain, in the
/// chain's stored format (``AuditChain/Format``: v1 unless told otherwise).
///
/// ```swift
/// var verifier = AuditChainVerifier(start: .init(seq: 0, hash: AuditChain.genesis))
/// for row in rows { if let problem = verifier.check(row) { print(problem) ; break } }
/// ```
public struct AuditChainVerifier: Sendable {
    /// What is wrong at a seq.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public enum Kind: String, Sendable, Hashable {
            /// The row's bytes or hash were changed.
            case edited
            /// A seq is absent.
            case missing
            /// A row appears where none belongs (a seq repeats or goes back).
            case inserted
            /// A row's bytes name another seq.
            case reordered
            /// The log is shorter than a kept checkpoint says, or is not an extension of it.
            case truncated
            /// A checkpoint's signature does not verify with the log's public key (a wrong or
            /// replaced key, or an edited checkpoint).
            case badSignature = "bad_signature"
            /// Data a store derives from the canonical bytes (search index, rollups, copies of
            /// fields beside a row, counts) disagrees with them (``AuditIndexCheck``).
            case indexMismatch = "index_mismatch"
        }
        public var seq: Int64
        public var kind: Kind
        public var detail: String
        public init(seq: Int64, kind: Kind, detail: String) {
            self.seq = seq
            self.kind = kind
            self.detail = detail
        }
        public var description: String { "seq \(seq): \(kind.rawValue): \(detail)" }
    }

    /// The last verified position.
    public private(set) var head: AuditChainHead
    /// Rows checked so far.
    public private(set) var checked: Int64 = 0

    /// The format the rows are chained in.
    public let format: AuditChain.Format

    public init(start: AuditChainHead, format: AuditChain.Format = .current) {
        self.head = start
        self.format = format
    }

    /// Checks the next row; returns the problem, or nil and advances.
    public mutating func check(_ row: AuditStoredEvent) -> Problem? {
        withUnsafeTemporaryAllocation(byteCount: AuditHash.byteCount, alignment: 8) { check(row, leaf: $0.baseAddress!) }
    }

    /// Checks the next row and writes its Merkle leaf hash to the 32 bytes at `leaf` (valid when
    /// there is no problem), so that a verifier growing the tree hashes the row's bytes once.
    package mutating func check(_ row: AuditStoredEvent, leaf: UnsafeMutableRawPointer) -> Problem? {
        let problem = head.hash.withUnsafeBytes { previous in
            row.canonical.withUnsafeBytes { canonical in
                row.hash.withUnsafeBytes { stored in
                    withUnsafeTemporaryAllocation(byteCount: AuditHash.byteCount, alignment: 8) { scratch in
                        Self.problem(
                            seq: row.seq,
                            after: head.seq,
                            previous: previous,
                            canonical: canonical,
                            stored: stored,
                            format: format,
                            leaf: leaf,
                            scratch: scratch.baseAddress!
                        )
                    }
                }
            }
        }
        if let problem { return problem }
        head = AuditChainHead(seq: row.seq, hash: row.hash)
        checked += 1
        return nil
    }

    /// Takes over where `next`, a verifier started at this one's head, stopped: a page checked
    /// in two halves on two cores is one walk.
    mutating func advance(to next: AuditChainVerifier) {
        head = next.head
        checked += next.checked
    }

    /// Moves to row `seq` with `hash` after `rows` more rows verified elsewhere (``AuditRowHasher``).
    mutating func advance(seq: Int64, hash: AuditHash, rows: Int) {
        head = AuditChainHead(seq: seq, hash: hash)
        checked += Int64(rows)
    }

    /// What is wrong with the row `seq` that follows `after` (whose hash is `previous`), or nil:
    /// the one check of ``check(_:)`` and ``AuditRowHasher``. The row's Merkle leaf hash is
    /// written to the 32 bytes at `leaf` (for the tree; in v1 the chain links it) once the seq
    /// checks pass; `scratch` holds 32 bytes.
    static func problem(
        seq: Int64,
        after: Int64,
        previous: UnsafeRawBufferPointer,
        canonical: UnsafeRawBufferPointer,
        stored: UnsafeRawBufferPointer,
        format: AuditChain.Format,
        leaf: UnsafeMutableRawPointer,
        scratch: UnsafeMutableRawPointer
    ) -> Problem? {
        let expected = after + 1
        if seq > expected {
            return Problem(seq: expected, kind: .missing, detail: "rows \(expected)…\(seq - 1) are absent")
        }
        if seq < expected {
            return Problem(seq: seq, kind: .inserted, detail: "seq repeats or goes back after \(after)")
        }
        if let embedded = AuditChain.embeddedSeq(in: canonical), embedded != seq {
            return Problem(seq: seq, kind: .reordered, detail: "stored bytes belong to seq \(embedded)")
        }
        let edited = Problem(seq: seq, kind: .edited, detail: "hash does not match the stored bytes and the previous hash")
        guard previous.count == AuditHash.byteCount, stored.count == AuditHash.byteCount else { return edited }
        AuditMerkle.leafHash(canonical, into: leaf)
        format.next(previous: previous.baseAddress!, canonical: canonical, leaf: leaf, into: scratch)
        return AuditMerkle.equal(UnsafeRawPointer(scratch), stored.baseAddress!) ? nil : edited
    }
}
