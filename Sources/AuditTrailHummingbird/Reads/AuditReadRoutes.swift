import AuditTrail
import HTTPTypes
import Hummingbird

/// The read side of the AuditTrail API as routes an app mounts behind its own admin
/// authentication: query, one event, stats, the live tail, event types, severities, the latest checkpoint,
/// inclusion and consistency proofs, and verification — with the server's parameters, limits,
/// JSON shapes and RFC 9457 problems (``AuditProblem``). The AuditTrail server mounts these same
/// routes under `/v1`.
///
/// Every route first calls `authorize`, which throws to refuse (a 401 or 403 problem) and says who
/// reads and what they may see. Each read is then recorded through `recorder` as an `audit.query`
/// event (`audit.verify` for verification) — who watched the watchers — and the route waits for
/// that record to be durable before it answers: when it cannot be stored, the answer is a 503
/// problem and no data (fail-closed).
///
/// ```swift
/// let reads = AuditReadRoutes<AppContext>(store: store, publicKey: signer.publicKey, recorder: sink) {
///     route, request, context in
///     guard let admin = context.identity, admin.isAdmin else { throw AuditProblem.forbidden("admins only") }
///     return AuditReadAccess(actor: .init(id: admin.id, type: "user"))
/// }
/// router.group("/admin/audit").add(middleware: SessionAuthenticator(...)).addRoutes(reads.routeCollection)
/// ```
public struct AuditReadRoutes<Context: RequestContext>: Sendable {
    /// The store the routes read.
    public typealias Store = any AuditCheckpointStore & AuditDerivedDataStore
    /// Decides, per request, whether it may go on and what it may see.
    public typealias Authorize = @Sendable (AuditReadRoute, Request, Context) async throws -> AuditReadAccess

    let store: Store
    let publicKey: AuditSignerPublicKey
    let catalog: AuditActionCatalog
    let recorder: (any AuditEventSink)?
    let mountPath: String
    /// The time budget of each read but verification (``AuditReadBudget``); nil: none.
    let queryTimeout: Duration?
    /// Wakes live tails on each commit; a signal nobody reports to when the app gave none.
    let commits: AuditCommitSignal
    /// How live tails behave.
    let tail: AuditTailOptions
    let authorize: Authorize

    /// Largest body of `POST /verify`.
    static var maxVerifyBodyBytes: Int { 16 * 1024 }

    /// Routes over `store`.
    ///
    /// - Parameters:
    ///   - store: the log.
    ///   - publicKey: the checkpoint signer's public key: verification checks every checkpoint with it.
    ///   - catalog: the known actions listed by `GET /event-types`.
    ///   - recorder: where the reads are recorded (`audit.query`, `audit.verify`); nil records none.
    ///   - mountPath: where the app mounts the routes, used only to name the route in those events
    ///     (`GET /v1/events`).
    ///   - queryTimeout: how long each read (all but `POST /verify`) may take in the store before
    ///     its statement is interrupted and the answer is a 422 `query-timeout` problem; nil
    ///     (the default): no limit. A live tail has it per page it reads.
    ///   - commits: the signal the app's ``AuditWriter`` reports commits to (its ``AuditCommitSignal/observer``),
    ///     which wakes live tails at once; nil: tails look every ``AuditTailOptions/poll``.
    ///   - tail: how live tails behave (heartbeat, poll, slow consumers, how many at once).
    ///   - authorize: called first on every request; throws to refuse.
    public init(
        store: Store,
        publicKey: AuditSignerPublicKey,
        catalog: AuditActionCatalog = .standard,
        recorder: (any AuditEventSink)?,
        mountPath: String = "",
        queryTimeout: Duration? = nil,
        commits: AuditCommitSignal? = nil,
        tail: AuditTailOptions = .init(),
        authorize: @escaping Authorize
    ) {
        self.store = store
        self.publicKey = publicKey
        self.catalog = catalog
        self.recorder = recorder
        self.mountPath = mountPath
        self.queryTimeout = queryTimeout
        self.commits = commits ?? AuditCommitSignal()
        self.tail = tail
        self.authorize = authorize
    }

    /// The routes, to mount with `router.addRoutes(_:atPath:)` or `group.addRoutes(_:)`.
    public var routeCollection: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        addRoutes(to: routes)
        return routes
    }

    /// Adds the routes to a router, group or collection.
    public func addRoutes(to router: some RouterMethods<Context>) {
        router.get("/events", use: problems(budgeted(listEvents)))
        router.get("/events/{id}", use: problems(budgeted(getEvent)))
        router.get("/stats", use: problems(budgeted(stats)))
        // A live tail runs for as long as its client stays: each page it reads has the budget.
        router.get("/stream", use: problems(stream))
        router.get("/event-types", use: problems(budgeted(eventTypes)))
        router.get("/severities", use: problems(severities))
        router.get("/checkpoints/latest", use: problems(budgeted(latestCheckpoint)))
        router.get("/proofs/inclusion", use: problems(budgeted(inclusionProof)))
        router.get("/proofs/consistency", use: problems(budgeted(consistencyProof)))
        // Verification re-hashes the whole log: no time budget, only the client's going away.
        router.post("/verify", use: problems(verify))
    }

    /// The handler with every error it throws as an ``AuditProblem`` (an `HTTPResponseError`), so
    /// that an app without the server's problem middleware still answers RFC 9457 bodies with the
    /// right status (a bad parameter is a 400, not Hummingbird's 500 for an unknown error).
    func problems(
        _ handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) -> @Sendable (Request, Context) async throws -> Response {
        { request, context in
            do {
                return try await handler(request, context)
            } catch {
                throw AuditProblem(error)
            }
        }
    }

    /// The handler run within a ``AuditReadBudget`` of ``queryTimeout`` (inside the enclosing
    /// one, which the server cancels when the client goes away).
    func budgeted(
        _ handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) -> @Sendable (Request, Context) async throws -> Response {
        guard let queryTimeout else { return handler }
        return { request, context in
            try await AuditReadBudget.within(queryTimeout) { try await handler(request, context) }
        }
    }

    /// `METHOD <mount>/path` of a route, as recorded.
    func routeName(_ route: AuditReadRoute) -> String {
        let (method, path) = route.methodAndPath
        return method + " " + mountPath + path
    }

    /// Narrows a query to what the access allows.
    func restrict(_ query: inout AuditQuery, to access: AuditReadAccess) {
        if let actor = access.visibleActorID { query.visibleActor = actor }
    }

    /// Records a read of the log as an `audit.query` event — who read, which route, with which
    /// parameters, and how much came back — and returns once it is durable (``record(_:)``).
    func recordRead(_ route: AuditReadRoute, _ access: AuditReadAccess, parameters: [(String, String)], resultCount: Int) async throws {
        guard let actor = access.actor else { return }
        try await record(.logRead(by: actor, via: routeName(route), parameters: parameters, resultCount: resultCount))
    }

    /// The one place a read of the log is recorded (`audit.query`, `audit.export`, `audit.verify`):
    /// through the recorder's durable ``AuditEventSink/write(_:)``, returning after the commit. A
    /// route calls it before it sends any data, so a read the log cannot keep a trace of sends
    /// nothing: the failure is a 503 naming the cause (``AuditProblem/readNotRecorded(_:)``).
    package func record(_ input: AuditEventInput) async throws {
        guard let recorder else { return }
        do {
            try await recorder.write(input)
        } catch {
            throw AuditProblem.readNotRecorded(error)
        }
    }
}
