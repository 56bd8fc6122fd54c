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
}
