import AuditTrail
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /v1/export`: a verifiable export ("AuditTrail export v1", ``AuditExportFormat``), streamed
/// in constant memory, page by page, and checkable offline with ``AuditExportVerifier``.
extension AuditAPI {
    /// Events read from the store per page while streaming (and written to the body at once).
    static let exportPageSize = 1000

    /// `GET /v1/export` (admin, auditor): the events matching the filters of `GET /v1/events`,
    /// oldest first, up to a signed checkpoint made for the export when the log's head is past the
    /// latest one. Without a filter the export is contiguous (every event from the first one kept,
    /// or the retention anchor's successor, to the checkpoint), verified by its chain and a Merkle
    /// tree rebuilt to the signed root; with any filter (`since`, `until` and `hours` too) each event
    /// carries its inclusion proof. `limit`, `cursor` and `order` are refused (an export holds every
    /// matching event, ascending); `format` is `jsonl` only. Recorded as `audit.export` with the
    /// filters and the count, before the trailer line is written: an export that cannot be recorded
    /// ends without its trailer, which the verifier reports as truncated.
    @Sendable func export(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "export the log") { $0.canVerify }
        let parameters = try Self.queryParameters(request)
        var errors: [AuditTrailError.FieldError] = []
        for (name, _) in parameters where AuditQuery.pagingParameters.contains(name) {
            errors.append(.init(field: name, message: "is not accepted by export: it streams every matching event, oldest first"))
        }
        if let format = parameters.first(where: { $0.0 == "format" })?.1, format != "jsonl" {
            errors.append(.init(field: "format", message: "must be jsonl (the only export format this server supports)"))
        }
        try Self.throwIfAny(errors)
        var query = try AuditQuery(parameters: parameters, allowed: ["format"])
        var filters: [String: String] = [:]
        for (name, value) in parameters where name != "format" { filters[name] = value }

        let checkpoint = try await exportCheckpoint()
        let size = checkpoint.treeSize
        let note = try AuditSignedNote(parsing: checkpoint.note)
        let body = try AuditCheckpoint(body: note.text)
        let keyHex = AuditSignerPublicKey.hex(publicKey.keyID)

        let header: AuditExportHeader
        let firstRows: [AuditStoredEvent]
        var firstPage: AuditEventPage?
        if filters.isEmpty {
            let start = try await store.chainStart()
            let frontier = try await store.hashes(AuditMerkleTreeBuilder.frontierNodes(size: start.seq))
            firstRows = try await store.rows(after: start.seq, limit: Self.exportPageSize)
            guard firstRows.first?.seq == start.seq + 1 else {
                throw AuditTrailError(
                    .conflict,
                    "the first stored event is not seq \(start.seq + 1): retention removed events "
                        + "while the export started (retry), or the log is damaged (run verify)"
                )
            }
            header = AuditExportHeader(
                origin: body.origin,
                treeSize: size,
                rootHash: checkpoint.rootHash,
                checkpoint: checkpoint.note,
                keyID: keyHex,
                filters: [:],
                chainStart: start,
                frontier: frontier
            )
        } else {
            query.order = .asc
            query.limit = Self.exportPageSize
            firstPage = try await store.events(matching: query)
            firstRows = []
            header = AuditExportHeader(
                origin: body.origin,
                treeSize: size,
                rootHash: checkpoint.rootHash,
                checkpoint: checkpoint.note,
                keyID: keyHex,
                filters: filters,
                chainStart: nil,
                frontier: []
            )
        }
        let headers: HTTPFields = [
            .contentType: AuditExportFormat.mediaType,
            .contentDisposition: #"attachment; filename="audittrail-export-\#(size).jsonl""#,
        ]
        let responseBody = ResponseBody { [self, query, firstPage, filters] writer in
            try await writer.write(ByteBuffer(bytes: header.line))
            var count: Int64 = 0
            var last: Int64?
            do {
                if let firstPage {
                    try await streamFiltered(query: query, first: firstPage, size: size, to: &writer, count: &count, last: &last)
                } else {
                    try await streamContiguous(first: firstRows, size: size, to: &writer, count: &count, last: &last)
                }
            } catch {
                try? recordExport(by: principal, filters: filters, count: count, size: size, ok: false)
                throw error
            }
            try recordExport(by: principal, filters: filters, count: count, size: size, ok: true)
            try await writer.write(ByteBuffer(bytes: AuditExportFormat.trailerLine(events: count, lastSeq: last)))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: responseBody)
    }

    /// The checkpoint the export is checked against: the latest one, or — when the log's head is
    /// past it — one signed now, so that the export covers the log as it was when it started.
    func exportCheckpoint() async throws -> AuditStoredCheckpoint {
        let head = try await store.head().seq
        var latest = try await store.latestCheckpoint()
        if (latest?.treeSize ?? 0) < head {
            // Nil when another checkpoint of this size was stored meanwhile: read that one.
            if let made = try await checkpointer.checkpoint() {
                latest = made
            } else {
                latest = try await store.latestCheckpoint()
            }
        }
        guard let latest, latest.treeSize > 0 else {
            throw AuditTrailError(.conflict, "the log is empty: there is no signed checkpoint to export against")
        }
        return latest
    }

    /// Every stored row from `first` on, page by page, up to seq `size`; after the event at each
    /// stored checkpoint's tree size below `size`, that checkpoint's line, so that a verifier
    /// locates a rewritten stretch between two signed roots instead of somewhere in the file.
    func streamContiguous(
        first: [AuditStoredEvent],
        size: Int64,
        to writer: inout any ResponseBodyWriter,
        count: inout Int64,
        last: inout Int64?
    ) async throws {
        var rows = first
        var checkpoints = AuditCheckpointQueue(after: (first.first?.seq ?? 1) - 1, pageSize: Self.exportPageSize)
        while !rows.isEmpty {
            try await checkpoints.fetch(through: min(size - 1, rows.last?.seq ?? 0), from: store)
            var out: [UInt8] = []
            out.reserveCapacity(rows.reduce(0) { $0 + $1.canonical.count + 80 })
            for row in rows where row.seq <= size {
                out += AuditExportFormat.eventLine(row)
                count += 1
                last = row.seq
                if let checkpoint = checkpoints.reached(row.seq), row.seq < size, isSignedByThisServer(checkpoint) {
                    out += AuditExportFormat.checkpointLine(checkpoint)
                }
            }
            try await writer.write(ByteBuffer(bytes: out))
            guard let tail = rows.last?.seq, tail < size else { return }
            rows = try await store.rows(after: tail, limit: Self.exportPageSize)
        }
    }

    /// Whether a stored checkpoint carries a signature line of this server's key (by name and key
    /// hash; the verifier checks the signature itself). Checkpoints signed before a key change are
    /// left out of exports, which are verified with the current key.
    func isSignedByThisServer(_ checkpoint: AuditStoredCheckpoint) -> Bool {
        guard let note = try? AuditSignedNote(parsing: checkpoint.note) else { return false }
        return note.signatures.contains { $0.name == publicKey.name && $0.keyID == publicKey.keyID }
    }

    /// The matching events up to seq `size`, page by page, each followed by its inclusion proof.
    func streamFiltered(
        query: AuditQuery,
        first: AuditEventPage,
        size: Int64,
        to writer: inout any ResponseBodyWriter,
        count: inout Int64,
        last: inout Int64?
    ) async throws {
        var query = query
        var page = first
        while true {
            var out: [UInt8] = []
            for event in page.events {
                guard event.seq <= size else {
                    try await writer.write(ByteBuffer(bytes: out))
                    return
                }
                let proof = try await store.inclusionProof(index: event.seq - 1, size: size)
                out += AuditExportFormat.eventLine(event)
                out += AuditExportFormat.proofLine(seq: event.seq, treeSize: size, hashes: proof)
                count += 1
                last = event.seq
            }
            try await writer.write(ByteBuffer(bytes: out))
            guard let next = page.nextCursor else { return }
            query.cursor = next
            page = try await store.events(matching: query)
        }
    }

    /// Records an export as an `audit.export` event: who, which filters, how many events, which tree size.
    func recordExport(by principal: AuditPrincipal, filters: [String: String], count: Int64, size: Int64, ok: Bool) throws {
        let metadata: JSONValue = .object([
            "route": "GET /v1/export", "format": "jsonl", "filters": .object(filters.mapValues(JSONValue.string)),
            "count": .int(count), "tree_size": .int(size), "contiguous": .bool(filters.isEmpty),
        ])
        try recordOwnEvent(
            AuditEventInput(
                action: "audit.export",
                outcome: ok ? .success : .failure,
                actor: Self.actor(principal),
                resource: .init(type: "audit_log", id: "GET /v1/export"),
                metadata: metadata
            )
        )
    }
}
