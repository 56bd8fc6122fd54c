import AuditTrail
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The routes of API.md and what they share: the store, the writer, the one validator, key
/// authentication and metrics. Route handlers live in `AuditAPI+*.swift`.
struct AuditAPI: Sendable {
    let store: any AuditStore & AuditKeyStore & AuditRetentionStore & AuditDerivedDataStore
    let writer: AuditWriter
    let validator: AuditEventValidator
    let authenticator: AuditKeyAuthenticator
    let metrics: AuditServerMetrics
    let options: AuditServerConfiguration.Options
    /// The checkpoint key's public half: `POST /v1/verify` checks every checkpoint with it.
    let publicKey: AuditSignerPublicKey
    /// Signs a checkpoint on demand (`GET /v1/export` covers the log up to the moment it starts).
    let checkpointer: AuditCheckpointer
    /// The retention window shown before one is stored (the configured initial window).
    let retentionDefault: AuditRetentionWindow
    let logger: Logger

    /// Largest batch body (API.md: 8 MiB).
    static let maxBatchBytes = 8 * 1024 * 1024
    /// Most events in one batch (API.md: 10,000).
    static let maxBatchEvents = 10_000
    /// Largest body of the small admin requests (keys).
    static let maxSmallBodyBytes = 16 * 1024

    /// Adds every route to `router`: the public ones, then the `/v1/` group behind the key middleware.
    func addRoutes(to router: Router<AuditRequestContext>) {
        router.get("/", use: home)
        router.get("/healthz", use: healthz)
        router.get("/readyz", use: readyz)
        router.get("/metrics", use: metricsText)
        router.get("/openapi.json", use: openAPIDocument)

        let v1 = router.group("/v1").add(middleware: AuditKeyMiddleware(authenticator: authenticator))
        v1.post("/events", use: ingestOne)
        v1.post("/events/batch", use: ingestBatch)
        v1.get("/events", use: listEvents)
        v1.get("/events/{id}", use: getEvent)
        v1.get("/stats", use: stats)
        v1.get("/export", use: export)
        v1.get("/event-types", use: eventTypes)
        v1.get("/severities", use: severities)
        v1.post("/keys", use: createKey)
        v1.get("/keys", use: listKeys)
        v1.delete("/keys/{id}", use: revokeKey)
        v1.get("/checkpoints/latest", use: latestCheckpoint)
        v1.get("/proofs/inclusion", use: inclusionProof)
        v1.get("/proofs/consistency", use: consistencyProof)
        v1.post("/verify", use: verify)
        v1.get("/retention", use: getRetention)
        v1.put("/retention", use: putRetention)
    }

    // MARK: Shared helpers

    /// The principal, if its role passes `allowed`; 403 otherwise.
    func require(_ context: AuditRequestContext, _ what: String, _ allowed: (AuditRole) -> Bool) throws -> AuditPrincipal {
        let principal = try context.requirePrincipal()
        guard allowed(principal.role) else {
            throw AuditProblem.forbidden("a key with the \(principal.role.rawValue) role cannot \(what)")
        }
        return principal
    }

    /// Reads the body up to `limit` bytes; more is a 413 naming `field` (never buffers unbounded).
    func readBody(_ request: Request, limit: Int, field: String) async throws -> ByteBuffer {
        let tooLarge = AuditTrailError(
            .tooLarge,
            "\(field): larger than \(limit) bytes",
            fieldErrors: [.init(field: field, message: "must be at most \(limit) bytes")]
        )
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit { throw tooLarge }
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
    }

    /// A JSON response from hand-written bytes.
    func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    /// Queues an event about the log's own use (fire and forget; a full queue is a 503).
    func recordOwnEvent(_ input: AuditEventInput) throws {
        let prepared = try validator.prepare(input)
        try writer.record(prepared)
    }

    /// The actor of events the server records about a key's actions.
    static func actor(_ principal: AuditPrincipal) -> AuditEvent.Actor {
        AuditEvent.Actor(id: principal.keyID, name: principal.name, type: "api_key")
    }

    /// The URL query as (name, value) pairs in order, percent-decoded (`+` is a space).
    static func queryParameters(_ request: Request) throws -> [(String, String)] {
        guard let query = request.uri.query, !query.isEmpty else { return [] }
        var pairs: [(String, String)] = []
        var errors: [AuditTrailError.FieldError] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(pieces[0]) else {
                errors.append(.init(field: "query", message: "is not valid percent-encoded UTF-8"))
                continue
            }
            guard let value = percentDecoded(pieces.count > 1 ? pieces[1] : "") else {
                errors.append(.init(field: name, message: "is not valid percent-encoded UTF-8"))
                continue
            }
            pairs.append((name, value))
        }
        if !errors.isEmpty { throw AuditTrailError(.invalidInput, "the query string is malformed", fieldErrors: errors) }
        return pairs
    }

    static func percentDecoded(_ text: Substring) -> String? {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        func hex(_ byte: UInt8?) -> UInt8? { byte.flatMap(AuditHex.value(ofDigit:)) }
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = hex(iterator.next()), let low = hex(iterator.next()) else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

// MARK: - Health, readiness, metrics, OpenAPI

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
            throw AuditProblem(
                .serviceUnavailable,
                slug: "not-ready",
                title: "Not ready",
                detail: "the store does not answer",
                headers: [.retryAfter: "1"]
            )
        }
    }

    /// `GET /metrics`: Prometheus text. Served only to loopback peers unless
    /// ``AuditServerConfiguration/Options/metricsFromAnyPeer`` is set; others get 403.
    @Sendable func metricsText(_ request: Request, context: AuditRequestContext) async throws -> Response {
        guard options.metricsFromAnyPeer || context.peerIsLoopback else {
            throw AuditProblem.forbidden("/metrics is served to loopback peers only (AUDITTRAIL_METRICS_PUBLIC=true opens it)")
        }
        let text = metrics.exposition(queueDepth: writer.queueDepth)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: text))
        )
    }

    /// `GET /openapi.json`: the OpenAPI 3.1 document of exactly these routes.
    @Sendable func openAPIDocument(_ request: Request, context: AuditRequestContext) async throws -> Response {
        json(AuditOpenAPI.documentBytes)
    }
}
