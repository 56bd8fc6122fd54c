import AuditTrail
import Hummingbird

/// A request context that knows who is acting, as hummingbird-auth's `AuthRequestContext` knows
/// its `identity`. Adopt it and ``AuditMiddleware`` records the actor with no closure.
///
/// Request contexts are values: what an authentication middleware *inside* the audit middleware
/// sets on its copy never reaches the audit middleware's copy. So the actor is taken, after the
/// handler ran, from the first of:
/// 1. ``AuditActorScope/record(_:)`` — called by a handler (a login route naming the user it
///    signed in) or by ``AuditActorMiddleware`` placed after the authenticators;
/// 2. the audit middleware's own context's ``auditActor`` (authentication placed outside it);
/// 3. nothing: the event still has the IP and user agent.
///
/// ```swift
/// struct AppContext: AuthRequestContext, AuditActorContext {
///     var coreContext: CoreRequestContextStorage
///     var identity: User?
///     var auditActor: AuditEvent.Actor? { identity.map { .init(id: $0.id, name: $0.name, type: "user") } }
///     init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
/// }
/// ```
public protocol AuditActorContext: RequestContext {
    /// Who is acting in this request, or nil when nobody is authenticated (yet).
    var auditActor: AuditEvent.Actor? { get }
}

/// Copies the actor of the context it sees into the request being recorded: place it after the
/// authentication middlewares, inside an ``AuditMiddleware``.
///
/// ```swift
/// router.add(middleware: AuditMiddleware(sink: sink))      // outermost: also sees their 401s
/// router.add(middleware: SessionAuthenticator(...))
/// router.add(middleware: AuditActorMiddleware())          // the identity is known here
/// ```
public struct AuditActorMiddleware<Context: AuditActorContext>: RouterMiddleware {
    /// A middleware that records `context.auditActor` for the enclosing ``AuditMiddleware``.
    public init() {}

    /// Records the actor, then calls the rest of the chain.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let actor = context.auditActor { AuditActorScope.record(actor) }
        return try await next(request, context)
    }
}
