/// Batches of a stream: "AuditTrail export v1" files of the events after a position, each
/// verifiable alone against a signed checkpoint and chained to the batch before it.
extension AuditExporter {
    /// What ``startBatch(parameters:after:maxEvents:freshBeyond:)`` found.
    public enum BatchStart: Sendable {
        /// A batch to deliver: its header's ``AuditExportHeader/range`` says which seqs it covers.
        case batch(AuditExport)
        /// Nothing matches after the position up to `through` (the head when it was read): the
        /// stream's position may move there.
        case nothing(through: Int64)
    }

    /// The next batch of a stream after seq `after`: the events matching `parameters` (the filters
    /// of an export; `format` too) with a larger seq, at most `maxEvents` of them, up to a signed
    /// checkpoint (one is signed now when the head is past the latest, as for an export).
    ///
    /// An unfiltered batch is contiguous: its header carries the chain hash at `after`, the Merkle
    /// frontier of a tree of `after` leaves and, when the batch ends short of the checkpoint, the
    /// consistency proof from its end — so the receiver proves, with the log's public key alone,
    /// that the batch's events are exactly leaves `after + 1 … through` of the signed log, and
    /// that its copy has no gap (each batch's `chain_start` is the previous batch's last hash).
    /// A filtered batch carries each event's inclusion proof: each is in the signed log, and
    /// consecutive batches' ranges meet; that nothing matching was left out cannot be proven
    /// without the events that did not match.
    ///
    /// - Throws: `.conflict` when retention removed events after `after` before they were
    ///   delivered (the stream must move past the gap knowingly).
    ///
    /// `maxEvents` nil: every event up to the checkpoint (an incremental export, `export --after`).
    ///
    /// `freshBeyond`: a stream's scan position — the latest stored checkpoint is used as it is
    /// when it covers a seq beyond it (a backfill reads on without signing at every batch), and a
    /// new one is signed only when it does not. Nil (an export): one is signed whenever the head
    /// is past the latest.
    public func startBatch(
        parameters: [(String, String)],
        after: Int64,
        maxEvents: Int?,
        freshBeyond: Int64? = nil
    ) async throws -> BatchStart {
        let (query, filters, encoding) = try Self.query(parameters: parameters)
        let head = try await store.head().seq
        guard head > after else { return .nothing(through: max(after, head)) }
        let checkpoint: AuditStoredCheckpoint
        if let freshBeyond, let latest = try await store.latestCheckpoint(), latest.treeSize > freshBeyond {
            checkpoint = latest
        } else {
            checkpoint = try await exportCheckpoint()
        }
        let size = checkpoint.treeSize
        guard size > after else { return .nothing(through: after) }
        var header = try header(for: checkpoint, filters: filters)
        let encoder = AuditRecordEncoder(encoding, host: host)
        let limit = max(1, min(maxEvents ?? Int.max, Self.pageSize))
        if filters.isEmpty {
            let start = try await store.chainStart()
            guard after >= start.seq else {
                throw AuditTrailError(
                    .conflict,
                    "retention removed seqs \(after + 1)…\(start.seq) before they were delivered; the stream can resume after seq \(start.seq)"
                )
            }
            let through = maxEvents.map { min(size, after + Int64(max(1, $0))) } ?? size
            let rows = try await store.rows(after: after, limit: Int(min(through - after, Int64(Self.pageSize))))
            guard rows.first?.seq == after + 1, rows.count == Int(min(through - after, Int64(Self.pageSize))) else {
                throw AuditTrailError(
                    .conflict,
                    "seqs \(after + 1)…\(through) are not all stored: retention removed some meanwhile (retry), or the log is damaged (run verify)"
                )
            }
            var chainStart = start
            if after > start.seq {
                guard let previous = try await store.rows(after: after - 1, limit: 1).first, previous.seq == after else {
                    throw AuditTrailError(.conflict, "seq \(after) is not stored: retention removed it meanwhile (retry)")
                }
                chainStart = AuditChainHead(seq: after, hash: previous.hash)
            }
            header.chainStart = chainStart
            header.frontier = try await store.hashes(AuditMerkleTreeBuilder.frontierNodes(size: after))
            header.range = .init(after: after, through: through, consistency: try await store.consistencyProof(from: through, to: size))
            return .batch(AuditExport(exporter: self, header: header, query: query, first: .rows(rows), encoder: encoder))
        }
        var page = query
        page.cursor = AuditCursor(afterSeq: after)
        page.limit = limit
        let found = try await store.events(matching: page)
        let matched = found.events.prefix { $0.seq <= size }
        guard let last = matched.last?.seq else { return .nothing(through: size) }
        // A stream's batch ends with its page; an incremental export reads on to the checkpoint.
        let through = maxEvents != nil && found.nextCursor != nil && matched.count == found.events.count ? last : size
        header.range = .init(after: after, through: through, consistency: [])
        let first = AuditEventPage(events: Array(matched), nextCursor: maxEvents == nil ? found.nextCursor : nil)
        return .batch(AuditExport(exporter: self, header: header, query: page, first: .page(first), encoder: encoder))
    }
}
