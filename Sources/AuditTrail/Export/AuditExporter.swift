/// Makes verifiable exports ("AuditTrail export v1", ``AuditExportFormat``) of any store: picks
/// the signed checkpoint the export is checked against, writes the header, streams the matching
/// events page by page in constant memory with the checkpoint lines (contiguous exports) or
/// inclusion proofs (filtered ones), has the export recorded as `audit.export`, and ends with the
/// trailer. The server's `GET /v1/export` and `audittrail export --data-dir` are thin wrappers
/// around it; ``AuditExportVerifier`` checks what it writes.
///
/// Without a filter the export is contiguous (every event from the first one kept — 1, or the
/// retention anchor's successor — to the checkpoint, with the chain start and the Merkle frontier
/// needed to rebuild the signed root); with any filter (`since`, `until` and `hours` too) each
/// event carries its inclusion proof. `limit`, `cursor` and `order` are refused: an export holds
/// every matching event, oldest first.
///
/// ```swift
/// let exporter = AuditExporter(store: store, checkpointer: checkpointer, publicKey: signer.publicKey)
/// let export = try await exporter.start(parameters: [("action", "user.*")])
/// try await export.write(to: { chunk in try file.write(contentsOf: chunk) },
///                        record: { input in try await recordEvent(input) }, actor: actor, via: "audittrail export")
/// ```
public struct AuditExporter: Sendable {
    /// Events read from the store per page (and written at once).
    public static let pageSize = 1000
    let store: any AuditCheckpointStore
    let checkpointer: AuditCheckpointer
    let publicKey: AuditSignerPublicKey
    /// The exporting host, as syslog and CEF name it.
    let host: String

    /// - Parameters:
    ///   - checkpointer: signs a checkpoint for the export when the log's head is past the latest one.
    ///   - publicKey: the log's key; stored checkpoints signed by another key (before a key change)
    ///     are left out of exports, which are verified with this one.
    ///   - host: the exporting host, as syslog's HOSTNAME and CEF's `dvchost` name it.
    public init(
        store: any AuditCheckpointStore,
        checkpointer: AuditCheckpointer,
        publicKey: AuditSignerPublicKey,
        host: String = AuditRecordEncoder.localHostName
    ) {
        self.store = store
        self.checkpointer = checkpointer
        self.publicKey = publicKey
        self.host = host
    }

    /// The filters of an export from request parameters: those of ``AuditQuery`` without paging,
    /// and `format` (``AuditExportEncoding``, default `jsonl`).
    /// - Throws: `.invalidInput` naming every refused parameter.
    public static func query(
        parameters: [(String, String)]
    ) throws(AuditTrailError) -> (query: AuditQuery, filters: [String: String], encoding: AuditExportEncoding) {
        var errors: [AuditTrailError.FieldError] = []
        for (name, _) in parameters where AuditQuery.pagingParameters.contains(name) {
            errors.append(.init(field: name, message: "is not accepted by export: it streams every matching event, oldest first"))
        }
        let formats = parameters.filter { $0.0 == "format" }.map(\.1)
        let encoding = formats.last.flatMap(AuditExportEncoding.init(rawValue:)) ?? .jsonl
        if formats.count > 1 {
            errors.append(.init(field: "format", message: "must be given once"))
        } else if let format = formats.first, AuditExportEncoding(rawValue: format) == nil {
            errors.append(.init(field: "format", message: "must be one of \(AuditExportEncoding.names)"))
        }
        if !errors.isEmpty { throw AuditTrailError(.invalidInput, "the export request is invalid", fieldErrors: errors) }
        var query = try AuditQuery(parameters: parameters, allowed: ["format"])
        query.order = .asc
        query.limit = pageSize
        var filters: [String: String] = [:]
        for (name, value) in parameters where name != "format" { filters[name] = value }
        return (query, filters, encoding)
    }

    /// Starts an export: validates the parameters, picks the checkpoint, builds the header and
    /// reads the first page — everything that can fail before the first byte is written.
    ///
    /// With `after=<seq>` the export is incremental: the events after that seq up to the
    /// checkpoint, with the header's range (``startBatch(parameters:after:maxEvents:)``), so that
    /// `audittrail verify --stream-batch` proves consecutive incremental exports meet.
    public func start(parameters: [(String, String)]) async throws -> AuditExport {
        let afters = parameters.filter { $0.0 == "after" }.map(\.1)
        if !afters.isEmpty {
            guard afters.count == 1, let after = afters.first.flatMap({ AuditCursor.seq(decimal: $0) }) else {
                throw AuditTrailError.invalid("after", "must be a seq, an integer from 0, given once")
            }
            switch try await startBatch(parameters: parameters.filter { $0.0 != "after" }, after: after, maxEvents: nil) {
            case .batch(let export): return export
            case .nothing(let through):
                throw AuditTrailError(.conflict, "nothing to export after seq \(after): the log's signed checkpoint ends at seq \(through)")
            }
        }
        let (query, filters, encoding) = try Self.query(parameters: parameters)
        let encoder = AuditRecordEncoder(encoding, host: host)
        var header = try header(for: try await exportCheckpoint(), filters: filters)
        if filters.isEmpty {
            let start = try await store.chainStart()
            let rows = try await store.rows(after: start.seq, limit: Self.pageSize)
            guard rows.first?.seq == start.seq + 1 else {
                throw AuditTrailError(
                    .conflict,
                    "the first stored event is not seq \(start.seq + 1): retention removed events "
                        + "while the export started (retry), or the log is damaged (run verify)"
                )
            }
            header.chainStart = start
            header.frontier = try await store.hashes(AuditMerkleTreeBuilder.frontierNodes(size: start.seq))
            return AuditExport(exporter: self, header: header, query: query, first: .rows(rows), encoder: encoder)
        }
        return AuditExport(exporter: self, header: header, query: query, first: .page(try await store.events(matching: query)), encoder: encoder)
    }

    /// The header of an export checked against `checkpoint`, made with `filters`; the chain start,
    /// frontier and range are the caller's to add.
    func header(for checkpoint: AuditStoredCheckpoint, filters: [String: String]) throws -> AuditExportHeader {
        let body = try AuditCheckpoint(body: try AuditSignedNote(parsing: checkpoint.note).text)
        return AuditExportHeader(
            origin: body.origin,
            treeSize: checkpoint.treeSize,
            rootHash: checkpoint.rootHash,
            checkpoint: checkpoint.note,
            keyID: AuditSignerPublicKey.hex(publicKey.keyID),
            filters: filters,
            chainStart: nil,
            frontier: []
        )
    }

    /// The checkpoint an export is checked against: the latest one, or — when the log's head is
    /// past it — one signed now, so that the export covers the log as it was when it started.
    /// - Throws: `.conflict` for an empty log.
    public func exportCheckpoint() async throws -> AuditStoredCheckpoint {
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

    /// Whether a stored checkpoint carries a signature line of the log's key (by name and key
    /// hash; the verifier checks the signature itself).
    func isSignedByTheLogKey(_ checkpoint: AuditStoredCheckpoint) -> Bool {
        guard let note = try? AuditSignedNote(parsing: checkpoint.note) else { return false }
        return note.signatures.contains { $0.name == publicKey.name && $0.keyID == publicKey.keyID }
    }
}
