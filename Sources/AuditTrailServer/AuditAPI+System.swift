import AuditTrail
import HTTPTypes
import Hummingbird
import NIOCore

extension AuditAPI {
    /// `GET /healthz`: the process answers.
    @Sendable func healthz(_ request: Request, context: AuditRequestContext) async throws -> Response {
        json(Array(#"{"status":"ok"}"#.utf8))
    }

    /// `GET /readyz`: the store answers a read; 503 otherwise.
    @Sendable func readyz(_ request: Request, context: AuditRequestContext) async throws -> Response {
        do {
            let head = try await store.head()
            var w = AuditJSONWriter()
            w.object { o in
                o.string("status", "ready")
                o.int("seq", head.seq)
                o.int("queue_depth", Int64(writer.queueDepth))
            }
            return json(w.bytes)
        } catch {
            throw AuditProblem(.serviceUnavailable, slug: "not-ready", title: "Not ready",
                               detail: "the store does not answer", headers: [.retryAfter: "1"])
        }
    }

    /// `GET /metrics`: Prometheus text. Served only to loopback peers unless
    /// ``AuditServerConfiguration/Options/metricsFromAnyPeer`` is set; others get 403.
    @Sendable func metricsText(_ request: Request, context: AuditRequestContext) async throws -> Response {
        guard options.metricsFromAnyPeer || context.peerIsLoopback else {
            throw AuditProblem.forbidden("/metrics is served to loopback peers only (AUDITTRAIL_METRICS_PUBLIC=true opens it)")
        }
        let text = metrics.exposition(queueDepth: writer.queueDepth)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: text)))
    }

    /// `GET /openapi.json`: the OpenAPI 3.1 document of exactly these routes.
    @Sendable func openAPIDocument(_ request: Request, context: AuditRequestContext) async throws -> Response {
        json(AuditOpenAPI.documentBytes)
    }
}
