/// Moves a log written in an earlier chain format to the current one, row by row in seq order:
/// each row is first verified in the old format (a row that does not verify stops the rewrite
/// with its seq — a damaged log is refused, never silently re-chained), then given its hash in
/// the current format. Checkpoints and Merkle hashes do not change: only the chain column does.
///
/// A store drives it in bounded transactions, keeping both heads between them so a rewrite
/// interrupted by a crash resumes where it stopped.
///
/// ```swift
/// var rewriter = AuditChainRewriter(from: .v0, oldHead: start, newHead: start)
/// for row in rows { try update(seq: row.seq, hash: rewriter.rewrite(row)) }
/// ```
package struct AuditChainRewriter: Sendable {
    /// The old chain, verified up to the last rewritten row.
    package private(set) var old: AuditChainVerifier
    /// The new chain's position after the last rewritten row.
    package private(set) var head: AuditChainHead
    /// Rows rewritten by this rewriter.
    package private(set) var rewritten: Int64 = 0

    /// A rewriter after `oldHead` (the old chain) and `newHead` (the same seq in the current
    /// format) — both the chain start (genesis or retention anchor) for a rewrite from the start.
    package init(from format: AuditChain.Format, oldHead: AuditChainHead, newHead: AuditChainHead) {
        old = AuditChainVerifier(start: oldHead, format: format)
        head = newHead
    }

    /// Verifies `row` in the old format and returns its chain hash in the current one.
    /// - Throws: ``AuditTrailError`` `.tampered` naming the first row that does not verify.
    package mutating func rewrite(_ row: AuditStoredEvent) throws(AuditTrailError) -> AuditHash {
        var leaf = AuditHash.zero
        if let problem = leaf.withUnsafeMutableBytes({ old.check(row, leaf: $0.baseAddress!) }) {
            throw AuditTrailError(
                .tampered,
                "the log does not verify in \(old.format) at seq \(problem.seq) (\(problem.kind.rawValue): \(problem.detail)); "
                    + "it is not migrated and nothing in it was changed: restore the data directory from a backup (the release that wrote it reports every problem with its `audittrail verify`)",
                seq: problem.seq
            )
        }
        let hash = AuditChain.next(previous: head.hash, leaf: leaf)
        head = AuditChainHead(seq: row.seq, hash: hash)
        rewritten += 1
        return hash
    }
}
