import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /v1/export`: a verifiable export made by the core ``AuditExporter``, streamed in constant
/// memory and checkable offline with ``AuditExportVerifier``.
extension AuditAPI {
    /// The exporter over this server's store, checkpointer and key.
    var exporter: AuditExporter { AuditExporter(store: store, checkpointer: checkpointer, publicKey: publicKey) }

    /// `GET /v1/export` (admin, auditor): the events matching the filters of `GET /v1/events`,
    /// oldest first, up to a signed checkpoint (``AuditExporter``). Recorded as `audit.export`.
    @Sendable func export(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "export the log") { $0.canVerify }
        let export = try await exporter.start(parameters: try AuditRequestInput.queryParameters(request))
        let headers: HTTPFields = [
            .contentType: AuditExportFormat.mediaType,
            .contentDisposition: #"attachment; filename="\#(export.suggestedFileName)""#,
        ]
        let body = ResponseBody { [self] writer in
            try await export.write(
                to: { chunk in try await writer.write(ByteBuffer(bytes: chunk)) },
                record: { input in try recordOwnEvent(input) },
                actor: Self.actor(principal),
                via: "GET /v1/export"
            )
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
