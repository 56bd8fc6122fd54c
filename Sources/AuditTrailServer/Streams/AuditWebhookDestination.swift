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
        try await post(
            batch.bytes,
            mediaType: batch.encoding.mediaType,
            headers: [
                ("AuditTrail-Stream", batch.streamID), ("AuditTrail-Batch", "\(batch.after + 1)-\(batch.through)"),
                ("AuditTrail-Events", String(batch.count)), ("Idempotency-Key", batch.idempotencyKey),
            ]
        )
    }

    /// One signed `POST` of `body`; throws unless the answer is a 2xx within the timeout.
    func post(_ body: [UInt8], mediaType: String, headers: [(String, String)]) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        let timestamp = AuditTime.now().milliseconds / 1000
        request.headers.add(name: "Content-Type", value: mediaType)
        request.headers.add(
            name: AuditStreamSignature.headerName,
            value: AuditStreamSignature.header(secret: secret, timestamp: timestamp, body: body)
        )
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "User-Agent", value: "audittrail/\(AuditTrailProduct.version)")
        request.body = .bytes(ByteBuffer(bytes: body))
        let deadline = NIODeadline.now() + TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline)
        } catch {
            throw AuditTrailError(.storeFailure, "webhook \(url): \(Self.describe(error))")
        }
        // The answer's body is read (bounded) so the connection can be reused; only its start is kept.
        let answer = (try? await response.body.collect(upTo: 64 * 1024)) ?? ByteBuffer()
        guard (200..<300).contains(response.status.code) else {
            let text = String(decoding: answer.readableBytesView.prefix(200), as: UTF8.self)
            throw AuditTrailError(.storeFailure, "webhook \(url) answered \(response.status.code)\(text.isEmpty ? "" : ": \(text)")")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        return "\(error)"
    }
}
