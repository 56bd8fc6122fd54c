extension AuditStoreReader {
    /// Walks the whole stored chain from its start, re-hashing every row, and reports the first
    /// bad seq. `progress` is called after every page with the rows checked so far and the head seq.
    ///
    /// ```swift
    /// let result = try await store.verifyChain { checked, total in print("\(checked)/\(total)") }
    /// if let problem = result.problem { print(problem) }
    /// ```
    public func verifyChain(
        pageSize: Int = 10_000,
        progress: (@Sendable (_ checked: Int64, _ headSeq: Int64) -> Void)? = nil
    ) async throws -> AuditVerification {
        let start = try await chainStart()
        let head = try await head()
        var verifier = AuditChainVerifier(start: start)
        // The next page is read while this one is hashed.
        var rows = start.seq < head.seq ? try await self.rows(after: start.seq, limit: pageSize) : []
        while let last = rows.last?.seq {
            async let following = last < head.seq ? self.rows(after: last, limit: pageSize) : []
            for row in rows where row.seq <= head.seq {
                if let problem = verifier.check(row) {
                    return AuditVerification(checked: verifier.checked, head: verifier.head, problem: problem)
                }
            }
            progress?(verifier.checked, head.seq)
            rows = try await following
        }
        if verifier.head.seq != head.seq || verifier.head.hash != head.hash {
            let problem = AuditChainVerifier.Problem(
                seq: verifier.head.seq + 1,
                kind: verifier.head.seq < head.seq ? .missing : .edited,
                detail: "the chain ends at seq \(verifier.head.seq) but the store's head is seq \(head.seq)"
            )
            return AuditVerification(checked: verifier.checked, head: verifier.head, problem: problem)
        }
        return AuditVerification(checked: verifier.checked, head: verifier.head, problem: nil)
    }
}
