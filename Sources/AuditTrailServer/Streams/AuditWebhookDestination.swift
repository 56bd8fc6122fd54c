import AsyncHTTPClient
import AuditTrail
import NIOCore
import NIOHTTP1

/// A stream's webhook: each batch is one `POST` of the batch file (the stream's format, with its
/// media type) to the URL, signed with the stream's secret (``AuditStreamSignature``); a 2xx
/// answer within the timeout acknowledges it, anything else is retried.
///
/// ```text
/// POST /ingest
/// Content-Type: application/x-ndjson
/// AuditTrail-Signature: t=1764921600,v1=<hex>
/// AuditTrail-Stream: str_1a2b3c4d5e6f7a8b
/// AuditTrail-Batch: 41-80            (the seq range: after 40, through 80)
/// AuditTrail-Events: 40
/// Idempotency-Key: str_1a2b3c4d5e6f7a8b:40-80
/// ```
struct AuditWebhookDestination: AuditStreamDestination {
    let client: HTTPClient
    let url: String
    let secret: String
    let timeout: Duration

    func deliver(_ batch: AuditStreamBatch) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        let timestamp = AuditTime.now().milliseconds / 1000
        request.headers.add(name: "Content-Type", value: batch.encoding.mediaType)
        request.headers.add(
            name: AuditStreamSignature.headerName,
            value: AuditStreamSignature.header(secret: secret, timestamp: timestamp, body: batch.bytes)
        )
        request.headers.add(name: "AuditTrail-Stream", value: batch.streamID)
        request.headers.add(name: "AuditTrail-Batch", value: "\(batch.after + 1)-\(batch.through)")
        request.headers.add(name: "AuditTrail-Events", value: String(batch.count))
        request.headers.add(name: "Idempotency-Key", value: batch.idempotencyKey)
        request.headers.add(name: "User-Agent", value: "audittrail/\(AuditTrailProduct.version)")
        request.body = .bytes(ByteBuffer(bytes: batch.bytes))
        let deadline = NIODeadline.now() + TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline)
        } catch {
            throw AuditTrailError(.storeFailure, "webhook \(url): \(Self.describe(error))")
        }
        // The answer's body is read (bounded) so the connection can be reused; only its start is kept.
        let body = (try? await response.body.collect(upTo: 64 * 1024)) ?? ByteBuffer()
        guard (200..<300).contains(response.status.code) else {
            let text = String(decoding: body.readableBytesView.prefix(200), as: UTF8.self)
            throw AuditTrailError(.storeFailure, "webhook \(url) answered \(response.status.code)\(text.isEmpty ? "" : ": \(text)")")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        return "\(error)"
    }
}
