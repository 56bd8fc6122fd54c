import AuditTrail
import Synchronization

/// The actor of the request an ``AuditMiddleware`` is recording, settable from anywhere below it
/// in the same task (handlers, inner middlewares, child tasks).
///
/// A login handler is the typical caller: the request was anonymous, the handler learned who it
/// was, and the `auth.login` event should say so.
///
/// ```swift
/// router.post("/login") { request, context in
///     let user = try await users.signIn(request)
///     AuditActorScope.record(.init(id: user.id, name: user.name, type: "user", sessionID: user.session))
///     return Response(status: .ok)
/// }
/// ```
public final class AuditActorScope: Sendable {
    private let actor = Mutex<AuditEvent.Actor?>(nil)

    @TaskLocal static var current: AuditActorScope?

    init() {}

    /// Sets the actor of the request being recorded; does nothing outside an ``AuditMiddleware``.
    /// A later call replaces an earlier one.
    public static func record(_ actor: AuditEvent.Actor) {
        current?.actor.withLock { $0 = actor }
    }

    /// The actor recorded so far, if any.
    var recorded: AuditEvent.Actor? { actor.withLock { $0 } }
}
