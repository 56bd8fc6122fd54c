/// One export under way (``AuditExporter/start(parameters:)``): its header is fixed, and
/// ``write(to:record:actor:via:)`` streams the file.
public struct AuditExport: Sendable {
    enum First: Sendable {
        /// A contiguous export's first rows.
        case rows([AuditStoredEvent])
        /// A filtered export's first page.
        case page(AuditEventPage)
    }

    let exporter: AuditExporter
    /// The header line's content: the checkpoint, the filters, the chain start and frontier.
    public let header: AuditExportHeader
    let query: AuditQuery
    let first: First
    /// The format's writer (for `jsonl` the header, proof, checkpoint and trailer lines are added).
    let encoder: AuditRecordEncoder

    /// The format written.
    public var encoding: AuditExportEncoding { encoder.encoding }

    /// The file's name: `audittrail-export-<tree size>.<format's extension>`.
    public var suggestedFileName: String { "audittrail-export-\(header.treeSize).\(encoding.fileExtension)" }

    /// Writes the whole file to `sink` in chunks of a page (for `jsonl` as described here; the other
    /// formats have no header, proof, checkpoint or trailer lines, and their completion is
    /// recorded before their last bytes). Before the first byte, `record` takes
    /// the export's start (an `audit.export` event with `"stage":"started"`: who, how, which
    /// filters, which tree size) and must return only once it is durable — an export the log keeps
    /// no trace of sends nothing (pass `startRecorded: true` when the caller recorded it with
    /// ``recordInput(actor:via:stage:count:)`` already, as the server does before it answers).
    /// Then the header, the events with their checkpoint or proof lines, then — once `record` has
    /// taken the completion (`"stage":"completed"`, with the count) — the trailer. An export whose
    /// completion cannot be recorded ends without its trailer, which the verifier reports as
    /// truncated. When anything fails midway, the export is recorded with outcome `failure`
    /// (`"stage":"failed"`; that record's own failure ignored) and the error rethrown.
    ///
    /// - Parameters:
    ///   - actor: who exported, for the record.
    ///   - via: how (`GET /v1/export`, `audittrail export --data-dir`), for the record.
    ///   - startRecorded: whether the start is already recorded.
    /// - Returns: the number of events written.
    @discardableResult
    public func write(
        to sink: ([UInt8]) async throws -> Void,
        record: (AuditEventInput) async throws -> Void,
        actor: AuditEvent.Actor,
        via: String,
        startRecorded: Bool = false
    ) async throws -> Int64 {
        if !startRecorded { try await record(recordInput(actor: actor, via: via, stage: .started)) }
        var count: Int64 = 0
        var last: Int64?
        do {
            try await sink(encoding.isVerifiable ? header.line : encoder.prefix)
            switch first {
            case .rows(let rows): try await streamContiguous(first: rows, to: sink, count: &count, last: &last)
            case .page(let page): try await streamFiltered(first: page, to: sink, count: &count, last: &last)
            }
            try await record(recordInput(actor: actor, via: via, stage: .completed, count: count))
        } catch {
            try? await record(recordInput(actor: actor, via: via, stage: .failed, count: count))
            throw error
        }
        try await sink(encoding.isVerifiable ? AuditExportFormat.trailerLine(events: count, lastSeq: last) : encoder.suffix)
        return count
    }

    /// Every stored row from `first` on, page by page, up to the tree size; after the event at
    /// each stored checkpoint's tree size below it, that checkpoint's line, so that a verifier
    /// locates a rewritten stretch between two signed roots instead of somewhere in the file.
    func streamContiguous(
        first: [AuditStoredEvent],
        to sink: ([UInt8]) async throws -> Void,
        count: inout Int64,
        last: inout Int64?
    ) async throws {
        let size = header.lastCoveredSeq
        let store = exporter.store
        var rows = first
        var checkpoints = AuditCheckpointQueue(after: (first.first?.seq ?? 1) - 1, pageSize: AuditExporter.pageSize)
        while !rows.isEmpty {
            if encoding.isVerifiable { try await checkpoints.fetch(through: min(size - 1, rows.last?.seq ?? 0), from: store) }
            var out: [UInt8] = []
            out.reserveCapacity(rows.reduce(0) { $0 + $1.canonical.count + 80 })
            for row in rows where row.seq <= size {
                out += try encoder.encode(row, index: count)
                count += 1
                last = row.seq
                if encoding.isVerifiable, let checkpoint = checkpoints.reached(row.seq), row.seq < size,
                    exporter.isSignedByTheLogKey(checkpoint)
                {
                    out += AuditExportFormat.checkpointLine(checkpoint)
                }
            }
            try await sink(out)
            guard let tail = rows.last?.seq, tail < size else { return }
            rows = try await store.rows(after: tail, limit: AuditExporter.pageSize)
        }
    }

    /// The matching events up to the tree size, page by page, each followed by its inclusion proof.
    func streamFiltered(
        first: AuditEventPage,
        to sink: ([UInt8]) async throws -> Void,
        count: inout Int64,
        last: inout Int64?
    ) async throws {
        let size = header.treeSize
        let store = exporter.store
        var query = query
        var page = first
        while true {
            var out: [UInt8] = []
            for event in page.events {
                guard event.seq <= header.lastCoveredSeq else {
                    try await sink(out)
                    return
                }
                out += try encoder.encode(event, index: count)
                if encoding.isVerifiable {
                    let proof = try await store.inclusionProof(index: event.seq - 1, size: size)
                    out += AuditExportFormat.proofLine(seq: event.seq, treeSize: size, hashes: proof)
                }
                count += 1
                last = event.seq
            }
            try await sink(out)
            guard let next = page.nextCursor else { return }
            query.cursor = next
            page = try await store.events(matching: query)
        }
    }

    /// Where an export stands when it is recorded.
    public enum Stage: String, Sendable {
        /// Before the first byte: the filters and the tree size, no count yet.
        case started
        /// Every event written; the trailer follows.
        case completed
        /// Ended by an error after it started (outcome `failure`).
        case failed
    }

    /// The `audit.export` event: who, how, which filters, which tree size, the stage and, once
    /// the events are written (or the export failed), how many.
    public func recordInput(actor: AuditEvent.Actor, via: String, stage: Stage, count: Int64? = nil) -> AuditEventInput {
        var metadata: [String: JSONValue] = [
            "route": .string(via), "format": .string(encoding.rawValue), "filters": .object(header.filters.mapValues(JSONValue.string)),
            "tree_size": .int(header.treeSize), "contiguous": .bool(header.contiguous), "stage": .string(stage.rawValue),
        ]
        if let count { metadata["count"] = .int(count) }
        return AuditEventInput(
            action: "audit.export",
            outcome: stage == .failed ? .failure : .success,
            actor: actor,
            resource: .init(type: "audit_log", id: via),
            metadata: .object(metadata)
        )
    }
}
