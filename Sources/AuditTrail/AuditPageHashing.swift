/// What one core finds in a run of a verification page's rows: the chain after them, the first
/// problem, and their Merkle leaf hashes (32 bytes per row). A page is hashed in two halves on
/// two cores — the second half's chain starts from the stored hash of the first half's last row,
/// which the first half verifies — so both hashes of every event (chain and leaf) are spread
/// over the machine.
///
/// ```swift
/// async let first = AuditPageHashing(page, rows: 0..<mid, after: chain)
/// async let second = AuditPageHashing(page, rows: mid..<page.count, after: AuditChainVerifier(start: page.chainHead(at: mid - 1)))
/// ```
struct AuditPageHashing: Sendable {
    var chain: AuditChainVerifier
    var problem: AuditChainVerifier.Problem?
    var leaves: [UInt8]

    init(_ page: AuditVerificationPage, rows: Range<Int>, after chain: AuditChainVerifier) {
        var chain = chain
        var leaves = [UInt8](repeating: 0, count: AuditMerkle.hashSize * rows.count)
        problem = leaves.withUnsafeMutableBytes { chain.check(page, rows: rows, leaves: $0.baseAddress) }
        self.chain = chain
        self.leaves = leaves
    }

    /// Both halves of a page, hashed at once; the chain is the first half's followed by the
    /// second's, and the problem the first one found in row order.
    static func hashing(_ page: AuditVerificationPage, after chain: AuditChainVerifier) async -> AuditPageHashing {
        guard page.count >= 2 else { return AuditPageHashing(page, rows: 0..<page.count, after: chain) }
        let mid = page.count / 2
        async let first = AuditPageHashing(page, rows: 0..<mid, after: chain)
        let second = AuditPageHashing(page, rows: mid..<page.count, after: AuditChainVerifier(start: page.chainHead(at: mid - 1)))
        var result = await first
        guard result.problem == nil else { return result }
        result.chain.advance(to: second.chain)
        result.problem = second.problem
        result.leaves += second.leaves
        return result
    }
}
