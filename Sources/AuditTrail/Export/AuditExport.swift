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

    /// The file's name: `audittrail-export-<tree size>.jsonl`.
    public var suggestedFileName: String { "audittrail-export-\(header.treeSize).jsonl" }

    /// Writes the whole file to `sink` in chunks of a page: the header, the events with their
    /// checkpoint or proof lines, then — once `record` has taken the export's `audit.export`
    /// event (the filters, the count and the tree size) — the trailer. An export that cannot be
    /// recorded ends without its trailer, which the verifier reports as truncated. When anything
    /// fails midway, the export is recorded with outcome `failure` (that record's own failure
    /// ignored) and the error rethrown.
    ///
    /// - Parameters:
    ///   - actor: who exported, for the record.
    ///   - via: how (`GET /v1/export`, `audittrail export --data-dir`), for the record.
    /// - Returns: the number of events written.
    @discardableResult
    public func write(
        to sink: ([UInt8]) async throws -> Void,
        record: (AuditEventInput) async throws -> Void,
        actor: AuditEvent.Actor,
        via: String
    ) async throws -> Int64 {
        var count: Int64 = 0
        var last: Int64?
        do {
            try await sink(header.line)
            switch first {
            case .rows(let rows): try await streamContiguous(first: rows, to: sink, count: &count, last: &last)
            case .page(let page): try await streamFiltered(first: page, to: sink, count: &count, last: &last)
            }
            try await record(recordInput(actor: actor, via: via, count: count, ok: true))
        } catch {
            try? await record(recordInput(actor: actor, via: via, count: count, ok: false))
            throw error
        }
        try await sink(AuditExportFormat.trailerLine(events: count, lastSeq: last))
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
        let size = header.treeSize
        let store = exporter.store
        var rows = first
        var checkpoints = AuditCheckpointQueue(after: (first.first?.seq ?? 1) - 1, pageSize: AuditExporter.pageSize)
        while !rows.isEmpty {
            try await checkpoints.fetch(through: min(size - 1, rows.last?.seq ?? 0), from: store)
            var out: [UInt8] = []
            out.reserveCapacity(rows.reduce(0) { $0 + $1.canonical.count + 80 })
            for row in rows where row.seq <= size {
                out += AuditExportFormat.eventLine(row)
                count += 1
                last = row.seq
                if let checkpoint = checkpoints.reached(row.seq), row.seq < size, exporter.isSignedByTheLogKey(checkpoint) {
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
                guard event.seq <= size else {
                    try await sink(out)
                    return
                }
                let proof = try await store.inclusionProof(index: event.seq - 1, size: size)
                out += AuditExportFormat.eventLine(event)
                out += AuditExportFormat.proofLine(seq: event.seq, treeSize: size, hashes: proof)
                count += 1
                last = event.seq
            }
            try await sink(out)
            guard let next = page.nextCursor else { return }
            query.cursor = next
            page = try await store.events(matching: query)
        }
    }

    /// The `audit.export` event: who, how, which filters, how many events, which tree size.
    public func recordInput(actor: AuditEvent.Actor, via: String, count: Int64, ok: Bool) -> AuditEventInput {
        let metadata: JSONValue = .object([
            "route": .string(via), "format": .string(AuditExporter.format), "filters": .object(header.filters.mapValues(JSONValue.string)),
            "count": .int(count), "tree_size": .int(header.treeSize), "contiguous": .bool(header.contiguous),
        ])
        return AuditEventInput(
            action: "audit.export",
            outcome: ok ? .success : .failure,
            actor: actor,
            resource: .init(type: "audit_log", id: via),
            metadata: metadata
        )
    }
}
