import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization

/// A sink that keeps what it is given, after the same validation every sink runs: an event the
/// middleware built wrong fails here, as it would in production.
final class CollectingSink: AuditEventSink {
    private let events = Mutex<[AuditEventInput]>([])
    private let validator = AuditEventValidator()

    func enqueue(_ input: AuditEventInput) throws(AuditTrailError) {
        _ = try validator.prepare(input)
        events.withLock { $0.append(input) }
    }

    func write(_ input: AuditEventInput) async throws { try enqueue(input) }

    var inputs: [AuditEventInput] { events.withLock { $0 } }

    /// The one event recorded; fails the test when there are none or several.
    func only() throws -> AuditEventInput {
        let all = inputs
        guard all.count == 1, let event = all.first else {
            throw TestFailure("expected one event, got \(all.count): \(all.map(\.action))")
        }
        return event
    }
}

/// A sink whose queue is always full and whose store is always down.
struct RefusingSink: AuditEventSink {
    func enqueue(_ input: AuditEventInput) throws(AuditTrailError) {
        throw AuditTrailError(.overloaded, "the write queue is full")
    }

    func write(_ input: AuditEventInput) async throws {
        throw AuditTrailError(.overloaded, "the store is down")
    }
}

/// The request context of an app that knows its user (set by ``HeaderAuthenticator``) and its peer.
struct UserContext: RequestContext, AuditActorContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    var user: String?
    let remoteAddress: SocketAddress?

    var auditActor: AuditEvent.Actor? { user.map { .init(id: $0, type: "user", sessionID: "session-of-\($0)") } }

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}

/// The tiniest authentication: `X-User: <name>` signs in as that user; `X-User: nobody` is a 401.
struct HeaderAuthenticator: RouterMiddleware {
    typealias Context = UserContext
    static let header = HTTPField.Name("X-User")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let user = request.headers[Self.header] {
            guard user != "nobody" else { throw HTTPError(.unauthorized) }
            context.user = user
        }
        return try await next(request, context)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` against an application serving `router`.
func withApp<Context: RequestContext>(
    _ router: Router<Context>,
    setup: TestingSetup = .router,
    _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws where Context.Source == ApplicationRequestContextSource {
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await app.test(setup) { client in try await body(client) }
}

/// A router whose every route answers the status in its path: `/status/404` → 404.
func statusRouter<Context: RequestContext>(_ middleware: some RouterMiddleware<Context>, context: Context.Type) -> Router<Context> {
    let router = Router(context: context)
    router.add(middleware: middleware)
    for method: HTTPRequest.Method in [.get, .head, .post, .put, .patch, .delete, .options] {
        router.on("/status/{code}", method: method) { _, context -> Response in
            let code = Int(context.parameters.get("code") ?? "") ?? 500
            return Response(status: .init(code: code))
        }
        router.on("/login", method: method) { request, _ -> Response in
            Response(status: request.headers[.authorization] == nil ? .unauthorized : .ok)
        }
    }
    router.get("/healthz") { _, _ in Response(status: .ok) }
    router.get("/healthz/deep") { _, _ in Response(status: .ok) }
    router.get("/metrics") { _, _ in Response(status: .ok) }
    router.get("/internal/{name}") { _, _ in Response(status: .ok) }
    return router
}

/// A value shared with `@Sendable` test closures.
final class Box<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value { storage.withLock { $0 } }
    func set(_ value: Value) { storage.withLock { $0 = value } }
    func mutate(_ body: (inout Value) -> Void) { storage.withLock { body(&$0) } }
}
