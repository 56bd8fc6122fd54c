import AuditTrail
import AuditTrailHummingbird
import Hummingbird

/// A signed-in user of the example app.
public struct NotesUser: Sendable, Hashable {
    public var id: String
    public var name: String
    public var isAdmin: Bool
}

/// The app's request context: Hummingbird's core storage plus the signed-in user, exposed to
/// AuditTrail as the actor of every request (``AuditActorContext``).
public struct NotesContext: RequestContext, AuditActorContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``NotesAuthenticator`` from a bearer token; nil for anonymous requests.
    public var user: NotesUser?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    public var auditActor: AuditEvent.Actor? {
        user.map { AuditEvent.Actor(id: $0.id, name: $0.name, type: "user") }
    }

    /// The user, or a 401.
    func requireUser() throws -> NotesUser {
        guard let user else { throw HTTPError(.unauthorized, message: "sign in first: POST /login") }
        return user
    }

    /// The user if an admin, else a 403 (which the audit middleware records as `authz.denied`).
    func requireAdmin() throws -> NotesUser {
        let user = try requireUser()
        guard user.isAdmin else { throw HTTPError(.forbidden, message: "admins only") }
        return user
    }
}

/// Reads `Authorization: Bearer <token>` and sets the user. Never throws: routes decide whether
/// they need a user, so a bad token on a public route is not an error.
struct NotesAuthenticator: RouterMiddleware {
    let accounts: NotesAccounts

    func handle(_ request: Request, context: NotesContext, next: (Request, NotesContext) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            context.user = await accounts.user(forToken: String(header.dropFirst(7)))
        }
        return try await next(request, context)
    }
}
