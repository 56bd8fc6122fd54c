import AuditTrail
import HTTPTypes
import Hummingbird

/// The read side of the AuditTrail API as routes an app mounts behind its own admin
/// authentication: query, one event, stats, event types, severities, the latest checkpoint,
/// inclusion and consistency proofs, and verification — with the server's parameters, limits,
/// JSON shapes and RFC 9457 problems (``AuditProblem``). The AuditTrail server mounts these same
/// routes under `/v1`.
///
/// Every route first calls `authorize`, which throws to refuse (a 401 or 403 problem) and says who
/// reads and what they may see. Each read is then recorded through `recorder` as an `audit.query`
/// event (`audit.verify` for verification) — who watched the watchers.
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
    ///   - authorize: called first on every request; throws to refuse.
    public init(
        store: Store,
        publicKey: AuditSignerPublicKey,
        catalog: AuditActionCatalog = .standard,
        recorder: (any AuditEventSink)?,
        mountPath: String = "",
        authorize: @escaping Authorize
    ) {
        self.store = store
        self.publicKey = publicKey
        self.catalog = catalog
        self.recorder = recorder
        self.mountPath = mountPath
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
        router.get("/events", use: problems(listEvents))
        router.get("/events/{id}", use: problems(getEvent))
        router.get("/stats", use: problems(stats))
        router.get("/event-types", use: problems(eventTypes))
        router.get("/severities", use: problems(severities))
        router.get("/checkpoints/latest", use: problems(latestCheckpoint))
        router.get("/proofs/inclusion", use: problems(inclusionProof))
        router.get("/proofs/consistency", use: problems(consistencyProof))
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

    /// `METHOD <mount>/path` of a route, as recorded.
    func routeName(_ route: AuditReadRoute) -> String {
        let (method, path) = route.methodAndPath
        return method + " " + mountPath + path
    }

    /// Narrows a query to what the access allows.
    func restrict(_ query: inout AuditQuery, to access: AuditReadAccess) {
        if let actor = access.visibleActorID { query.visibleActor = actor }
    }

    /// Records a read of the log as an `audit.query` event: who read, which route, with which
    /// parameters, and how much came back. A full queue is the sink's error (a 503).
    func recordRead(_ route: AuditReadRoute, _ access: AuditReadAccess, parameters: [(String, String)], resultCount: Int) throws {
        guard let recorder, let actor = access.actor else { return }
        try recorder.enqueue(.logRead(by: actor, via: routeName(route), parameters: parameters, resultCount: resultCount))
    }
}
