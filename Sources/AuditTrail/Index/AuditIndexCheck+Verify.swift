extension AuditIndexCheck {
    /// Checks every piece of derived data a store keeps against its canonical bytes, chunk by chunk
    /// in seq order — the one check behind every store's
    /// ``AuditDerivedDataStore/verifyDerivedData(progress:)``:
    ///
    /// - each row's copies of its fields (`id`, `time`, `received_at`, `action`, `category`,
    ///   `severity`, `outcome`), which the id look-up, retention and action counts read;
    /// - each persisted index chunk — every key's set, the events present, the time column and
    ///   bounds, the rollup — against the chunk built again from the rows
    ///   (``firstDisagreement(_:rebuilt:rollup:removedThrough:)``);
    /// - each complete span's merged rollup against the merge of its chunks' rollups built again;
    /// - the per-action counts (`GET /v1/event-types`) against a recount.
    ///
    /// A complete chunk that is not persisted is a disagreement; the newest, incomplete chunks
    /// live in memory only (`snapshot.memoryFrom` on) and are built from the rows. A row whose
    /// bytes are not an event is reported as `.edited`.
    ///
    /// ```swift
    /// let result = try await AuditIndexCheck.verify(try await indexTail.snapshot(of: self), progress: nil)
    /// ```
    ///
    /// - Parameters:
    ///   - snapshot: the index as of now (its persisted chunks, bounds and storage).
    ///   - progress: gets the events checked and the head seq after each chunk.
    package static func verify<Storage: AuditIndexStorage>(
        _ snapshot: AuditIndexSnapshot<Storage>,
        progress: (@Sendable (_ checked: Int64, _ headSeq: Int64) -> Void)?
    ) async throws -> AuditIndexVerification {
        let storage = snapshot.storage
        let geometry = snapshot.geometry
        let stored = Set(snapshot.stored)
        let removedThrough = snapshot.removedThrough
        let head = snapshot.head
        var checked: Int64 = 0
        var chunksChecked = 0
        var actions: [String: Int64] = [:]
        var firstOfAction: [String: Int64] = [:]
        var spanParts: [AuditChunkRollup] = []
        let spanSize = Int64(AuditIndexGeometry.spanChunks)
        func result(_ problem: AuditChainVerifier.Problem?) -> AuditIndexVerification {
            AuditIndexVerification(checkedEvents: checked, checkedChunks: chunksChecked, problem: problem)
        }
        if head > removedThrough {
            for chunk in geometry.chunk(removedThrough + 1)...geometry.chunk(head) {
                let seqs = geometry.seqs(chunk)
                var rowProblem: AuditChainVerifier.Problem?
                let index: AuditChunkIndex
                do {
                    index = try await storage.rebuiltChunk(chunk, removedThrough: removedThrough, head: head) { stored, event, copies in
                        checked += 1
                        actions[event.action, default: 0] += 1
                        if firstOfAction[event.action] == nil { firstOfAction[event.action] = stored.seq }
                        guard rowProblem == nil else { return }
                        let wrong = copies.differences(from: RowCopies(of: event))
                        guard !wrong.isEmpty else { return }
                        rowProblem = .init(
                            seq: stored.seq,
                            kind: .indexMismatch,
                            detail: "the row's \(wrong.joined(separator: ", ")) \(wrong.count == 1 ? "column disagrees" : "columns disagree")"
                                + " with its canonical bytes"
                        )
                    }
                } catch let error as AuditTrailError where error.code == .tampered && error.seq != nil {
                    return result(.init(seq: error.seq!, kind: .edited, detail: error.message))
                }
                progress?(checked, head)
                let rollup = index.rollup
                var chunkProblem: AuditChainVerifier.Problem?
                if stored.contains(chunk), let forms = try await storage.storedChunkForms(chunk) {
                    chunkProblem = firstDisagreement(forms, rebuilt: index, rollup: rollup, removedThrough: removedThrough)
                    chunksChecked += 1
                } else if chunk < snapshot.memoryFrom {
                    chunkProblem = .init(
                        seq: max(seqs.lowerBound, removedThrough + 1),
                        kind: .indexMismatch,
                        detail: "the search index lacks chunk \(chunk), which is complete"
                    )
                }
                // A span's merged rollup, against the merge of its chunks' rollups built again.
                var spanProblem: AuditChainVerifier.Problem?
                if chunk % spanSize == 0 { spanParts = [] }
                spanParts.append(rollup)
                let span = chunk / spanSize
                let spanSeqs = geometry.seqs(span * spanSize).lowerBound...seqs.upperBound
                if chunk % spanSize == spanSize - 1, spanParts.count == AuditIndexGeometry.spanChunks, spanSeqs.lowerBound > removedThrough,
                    let bytes = try await storage.storedSpanRollupBytes(span),
                    bytes != AuditChunkRollup(merging: spanParts).serialized
                {
                    spanProblem = .init(
                        seq: spanSeqs.lowerBound,
                        kind: .indexMismatch,
                        detail:
                            "the merged rollup of span \(span) (seqs \(spanSeqs.lowerBound)…\(spanSeqs.upperBound)) disagrees with its chunks' events"
                    )
                }
                if let problem = [rowProblem, chunkProblem, spanProblem].compactMap({ $0 }).min(by: { $0.seq < $1.seq }) { return result(problem) }
            }
        }
        let counted = try await storage.storedActionCounts()
        for action in miscountedActions(stored: counted, counted: actions) {
            return result(
                .init(
                    seq: firstOfAction[action] ?? max(1, head),
                    kind: .indexMismatch,
                    detail: "action_counts holds \(counted[action] ?? 0) events of \(action); the events table holds \(actions[action] ?? 0)"
                )
            )
        }
        return result(nil)
    }
}

extension AuditIndexCheck {
    /// The actions whose stored count differs from the number of their events (a count that is
    /// missing is 0), in byte order: what the check names and what a rebuild rewrites.
    package static func miscountedActions(stored: [String: Int64], counted: [String: Int64]) -> [String] {
        Set(stored.keys).union(counted.keys).sorted().filter { (stored[$0] ?? 0) != (counted[$0] ?? 0) }
    }
}
