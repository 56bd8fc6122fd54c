import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The routes of API.md and what they share: the store, the writer, the one validator, key
/// authentication and metrics. Route handlers live in `AuditAPI+*.swift`.
struct AuditAPI: Sendable {
    let store: any AuditLogStore
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
    /// Scores events posted without a `risk_score` (``AuditServerConfiguration/riskScoring``); nil when off.
    let riskScorer: AuditRiskScorer?
    /// Keeps each producer's ordered stream (`Audit-Batch-Stream`) in order across concurrent batches.
    let sequencer: AuditIngestSequencer
    /// Wakes live tails (`GET /v1/stream`) on every commit of ``writer``.
    let commits: AuditCommitSignal
    /// Streams to other systems (`/v1/streams`) and alert rules (`/v1/alert-rules`), running.
    let outbound: AuditOutbound
    /// The web explorer's files; nil when they are not installed (`GET /` is then a plain page).
    let explorer: AuditExplorer?
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
        router.get("/assets/{name}", use: explorerAsset)
        router.get("/healthz", use: healthz)
        router.get("/readyz", use: readyz)
        router.get("/metrics", use: metricsText)
        router.get("/openapi.json", use: openAPIDocument)

        let v1 = router.group("/v1").add(middleware: AuditKeyMiddleware(authenticator: authenticator, keyAddresses: outbound.keyAddresses))
        v1.post("/events", use: ingestOne)
        v1.post("/events/batch", use: ingestBatch)
        readRoutes.addRoutes(to: v1)
        v1.get("/export", use: export)
        v1.get("/me", use: me)
        v1.post("/keys", use: createKey)
        v1.get("/keys", use: listKeys)
        v1.delete("/keys/{id}", use: revokeKey)
        v1.get("/retention", use: getRetention)
        v1.put("/retention", use: putRetention)
        v1.post("/streams", use: createStream)
        v1.get("/streams", use: listStreams)
        v1.delete("/streams/{id}", use: deleteStream)
        v1.post("/alert-rules", use: createAlertRule)
        v1.get("/alert-rules", use: listAlertRules)
        v1.patch("/alert-rules/{id}", use: switchAlertRule)
        v1.delete("/alert-rules/{id}", use: deleteAlertRule)
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

    /// A JSON response from hand-written bytes.
    func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        AuditRequestInput.json(bytes, status: status)
    }

    /// The read routes (API.md's readers' routes and `POST /v1/verify`), shared with apps that
    /// embed them: keys and roles are checked by the hook; each read is recorded as `audit.query`,
    /// durably before it answers (``AuditReadRoutes/record(_:)``, also what records an export).
    var readRoutes: AuditReadRoutes<AuditRequestContext> {
        AuditReadRoutes(
            store: store,
            publicKey: publicKey,
            catalog: validator.configuration.catalog,
            recorder: AuditWriterSink(writer: writer, validator: validator, producer: .server),
            mountPath: "/v1",
            queryTimeout: options.queryTimeout,
            commits: commits,
            tail: options.tail
        ) { route, _, context in
            let principal = try context.requirePrincipal()
            let allowed = route.needsVerifyRight ? principal.role.canVerify : principal.role.canRead
            guard allowed else {
                throw AuditProblem.forbidden("a key with the \(principal.role.rawValue) role cannot \(route.activity)")
            }
            guard principal.role == .viewer else { return AuditReadAccess(actor: Self.actor(principal)) }
            // A viewer sees only its subject's events; without a subject it sees nothing.
            guard let subject = principal.subject, !subject.isEmpty else { throw AuditProblem.forbidden("this viewer key has no subject") }
            return AuditReadAccess(actor: Self.actor(principal), visibleActorID: subject)
        }
    }

    /// The actor of events the server records about a key's actions.
    static func actor(_ principal: AuditPrincipal) -> AuditEvent.Actor {
        AuditEvent.Actor(id: principal.keyID, name: principal.name, type: "api_key")
    }
}

// MARK: - Health, readiness, metrics, OpenAPI

extension AuditAPI {
    /// `GET /healthz`: the process answers.
    @Sendable func healthz(_ request: Request, context: AuditRequestContext) async throws -> Response {
        json(Array(#"{"status":"ok"}"#.utf8))
    }

    /// `GET /readyz`: `{"status":"ready"}` when the store answers a read; a 503 problem otherwise.
    ///
    /// Anyone may ask, so it says nothing more: the head seq and the writer's queue depth are
    /// in `/metrics` (`audittrail_log_head_seq`, `audittrail_writer_queue_depth_events`), which
    /// needs a key.
    ///
    /// The store answers promptly (``AuditStoreReader/checkReadiness()``: PostgreSQL's from its
    /// last round trip, SQLite's from a read); why it is not ready is logged, not told.
    @Sendable func readyz(_ request: Request, context: AuditRequestContext) async throws -> Response {
        do {
            try await store.checkReadiness()
        } catch {
            logger.warning("audit store not ready", metadata: ["audit.error": "\((error as? AuditTrailError)?.message ?? "\(error)")"])
            throw AuditProblem(
                .serviceUnavailable,
                slug: "not-ready",
                title: "Not ready",
                detail: "the store does not answer",
                headers: [.retryAfter: "1"]
            )
        }
        return json(Array(#"{"status":"ready"}"#.utf8))
    }

    /// `GET /metrics`: Prometheus text, for the metrics key or an admin key
    /// (``AuditKeyAuthenticator/requireMetricsReader(_:)``), or for anyone when
    /// ``AuditServerConfiguration/Options/metricsFromAnyPeer`` is set. The peer's address
    /// grants nothing: behind a proxy on the same host every peer is loopback.
    @Sendable func metricsText(_ request: Request, context: AuditRequestContext) async throws -> Response {
        if !options.metricsFromAnyPeer { try await authenticator.requireMetricsReader(request.headers) }
        let head = try? await store.head()
        metrics.updateStreams(outbound.streams.positions, headSeq: head?.seq)
        let text = metrics.exposition(
            queueDepth: writer.queueDepth,
            headSeq: head?.seq,
            indexCacheBytes: store.derivedDataCacheBytes,
            liveTails: commits.subscriberCount
        )
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
