import Synchronization

extension AuditIndexStorage {
    /// `chunk`'s index built from the stored rows (those after `removedThrough`, up to `head`),
    /// handing each row, decoded, with the copies of its fields kept beside it, to `row`: the one
    /// walk that builds, checks (``AuditIndexCheck/verify(_:progress:)``) and rebuilds the index.
    /// - Throws: `.tampered` naming the seq of a row whose bytes are not an event.
    package func rebuiltChunk(
        _ chunk: Int64,
        removedThrough: Int64,
        head: Int64,
        row: (AuditStoredEvent, AuditEvent, AuditIndexCheck.RowCopies) -> Void = { _, _, _ in }
    ) async throws -> AuditChunkIndex {
        let seqs = indexGeometry.seqs(chunk)
        var index = AuditChunkIndex(chunk: chunk, geometry: indexGeometry)
        var after = max(seqs.lowerBound - 1, removedThrough)
        let through = min(seqs.upperBound, head)
        while after < through {
            let rows = try await indexRowsWithCopies(after: after, through: through, limit: 10_000)
            guard let last = rows.last else { break }
            for (stored, copies) in rows {
                let event: AuditEvent
                do {
                    event = try stored.decoded()
                } catch {
                    throw AuditTrailError(.tampered, "the stored bytes are not an event: \(error.message)", seq: stored.seq)
                }
                row(stored, event, copies)
                index.add(seq: stored.seq, event: event)
            }
            after = last.event.seq
        }
        return index
    }

    /// The one walk of a rebuild (`audittrail reindex`), after the store emptied its index: the
    /// cache forgotten, every chunk after the removed events built again from the rows and the
    /// complete ones below the tail's `memoryFrom` written (later ones are the in-memory tail's,
    /// written when complete); returns the head it walked to, the rows whose copies of their
    /// fields differ from their canonical bytes (with the right copies) and each action's count.
    package func rebuildWalk(
        progress: (@Sendable (_ done: Int64, _ headSeq: Int64) -> Void)?
    ) async throws -> (head: Int64, repairs: [(seq: Int64, copies: AuditIndexCheck.RowCopies)], actions: [String: Int64]) {
        indexCache.removeAll()
        let (head, removedThrough) = try await indexBounds()
        let memoryFrom = indexTail.state.withLock { $0.memoryFrom }
        var repairs: [(seq: Int64, copies: AuditIndexCheck.RowCopies)] = []
        var actions: [String: Int64] = [:]
        guard head > removedThrough else { return (head, repairs, actions) }
        for chunk in indexGeometry.chunk(removedThrough + 1)...indexGeometry.chunk(head) {
            let index = try await rebuiltChunk(chunk, removedThrough: removedThrough, head: head) { stored, event, copies in
                let expected = AuditIndexCheck.RowCopies(of: event)
                if copies != expected { repairs.append((stored.seq, expected)) }
                actions[event.action, default: 0] += 1
            }
            if chunk < memoryFrom, indexGeometry.seqs(chunk).upperBound <= head { try await persistIndexChunk(index) }
            progress?(min(indexGeometry.seqs(chunk).upperBound, head), head)
        }
        return (head, repairs, actions)
    }
}
