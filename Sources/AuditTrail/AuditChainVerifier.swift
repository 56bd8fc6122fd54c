/// Walks stored rows in seq order and reports the first one that breaks the chain.
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
        }
        public var seq: Int64
        public var kind: Kind
        public var detail: String
        public init(seq: Int64, kind: Kind, detail: String) { self.seq = seq; self.kind = kind; self.detail = detail }
        public var description: String { "seq \(seq): \(kind.rawValue): \(detail)" }
    }

    /// The last verified position.
    public private(set) var head: AuditChainHead
    /// Rows checked so far.
    public private(set) var checked: Int64 = 0

    public init(start: AuditChainHead) { self.head = start }

    /// Checks the next row; returns the problem, or nil and advances.
    /// `verifier` after checking `rows` (those up to seq `last`), and the first problem; a
    /// value-in, value-out form for checking a page on another task.
    public static func checking(_ verifier: AuditChainVerifier, _ rows: [AuditStoredEvent], upTo last: Int64) -> (AuditChainVerifier, Problem?) {
        var verifier = verifier
        for row in rows where row.seq <= last {
            if let problem = verifier.check(row) { return (verifier, problem) }
        }
        return (verifier, nil)
    }

    public mutating func check(_ row: AuditStoredEvent) -> Problem? {
        let expected = head.seq + 1
        if row.seq > expected {
            return Problem(seq: expected, kind: .missing, detail: "rows \(expected)…\(row.seq - 1) are absent")
        }
        if row.seq < expected {
            return Problem(seq: row.seq, kind: .inserted, detail: "seq repeats or goes back after \(head.seq)")
        }
        if let embedded = AuditChain.embeddedSeq(in: row.canonical), embedded != row.seq {
            return Problem(seq: row.seq, kind: .reordered, detail: "stored bytes belong to seq \(embedded)")
        }
        let computed = AuditChain.next(previous: head.hash, canonical: row.canonical)
        guard computed == row.hash else {
            return Problem(seq: row.seq, kind: .edited, detail: "hash does not match the stored bytes and the previous hash")
        }
        head = AuditChainHead(seq: row.seq, hash: computed)
        checked += 1
        return nil
    }
}

/// The outcome of verifying a log.
public struct AuditVerification: Sendable, Hashable {
    public var ok: Bool { problem == nil }
    public var checked: Int64
    public var head: AuditChainHead
    public var problem: AuditChainVerifier.Problem?
    public init(checked: Int64, head: AuditChainHead, problem: AuditChainVerifier.Problem?) {
        self.checked = checked; self.head = head; self.problem = problem
    }
}
