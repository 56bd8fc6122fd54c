import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /v1/export`: an export made by the core ``AuditExporter``, streamed in constant memory —
/// verifiable offline with ``AuditExportVerifier`` (`format=jsonl`, the default), or in a SIEM's
/// format (``AuditExportEncoding``).
extension AuditAPI {
    /// The exporter over this server's store, checkpointer and key.
    var exporter: AuditExporter { AuditExporter(store: store, checkpointer: checkpointer, publicKey: publicKey) }

    /// `GET /v1/export` (admin, auditor): the events matching the filters of `GET /v1/events`,
    /// oldest first, up to a signed checkpoint (``AuditExporter``). Recorded as `audit.export`
    /// twice: its start is durable before the response begins (else a 503 and no data), its
    /// completion before the trailer.
    @Sendable func export(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "export the log") { $0.canVerify }
        let export = try await exporter.start(parameters: try AuditRequestInput.queryParameters(request))
        let reads = readRoutes
        let via = "GET /v1/export"
        try await reads.record(export.recordInput(actor: Self.actor(principal), via: via, stage: .started))
        let headers: HTTPFields = [
            .contentType: export.encoding.mediaType,
            .contentDisposition: #"attachment; filename="\#(export.suggestedFileName)""#,
        ]
        let body = ResponseBody { writer in
            try await export.write(
                to: { chunk in try await writer.write(ByteBuffer(bytes: chunk)) },
                record: { input in try await reads.record(input) },
                actor: Self.actor(principal),
                via: via,
                startRecorded: true
            )
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
