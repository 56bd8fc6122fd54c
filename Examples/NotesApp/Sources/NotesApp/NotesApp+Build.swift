import AuditTrail
import AuditTrailHummingbird
import AuditTrailSQLite
import Hummingbird
import Logging

/// The example app's settings.
public struct NotesConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Where the embedded audit log (SQLite, signing key, fallback JSONL) lives.
    public var auditDirectory = "notes-audit"
    /// Demo accounts: name, password, admin. A real app has a user database.
    public var users: [(name: String, password: String, admin: Bool)] = [
        ("alice", "alice-password", true), ("bob", "bob-password", false),
    ]

    public init() {}
}

/// Builds the example app: login, a notes CRUD resource, an admin action and the audit log's read
/// routes under `/audit` (admins only), every request recorded on an embedded, provable audit log.
///
/// Middleware order matters: ``AuditMiddleware`` is outermost so it sees every response (the
/// authenticator's and the handlers' 401s and 403s too); ``AuditActorMiddleware`` sits after the
/// authenticator, where the user is known.
public func buildNotesApplication(configuration: NotesConfiguration, logger: Logger) async throws -> some ApplicationProtocol {
    let system = try await AuditTrailSystem.open(configuration: .init(dataDirectory: configuration.auditDirectory), logger: logger)
    let accounts = NotesAccounts(users: configuration.users)
    let audit = AuditLogger(sink: system.sink, logger: logger)

    var recording = AuditMiddleware<NotesContext>.Configuration()
    recording.pathRules.append(AuditPathRule(method: .post, pattern: .prefix("/admin/"), action: "admin.action"))

    let router = Router(context: NotesContext.self)
    router.add(middleware: AuditMiddleware(sink: system.sink, configuration: recording, logger: logger))
    router.add(middleware: NotesAuthenticator(accounts: accounts))
    router.add(middleware: AuditActorMiddleware())
    NotesRoutes(accounts: accounts, notes: NotesStore(), audit: audit).add(to: router)

    let reads = AuditReadRoutes<NotesContext>(
        store: system.store,
        publicKey: system.signer.publicKey,
        recorder: system.sink,
        mountPath: "/audit"
    ) { _, _, context in
        _ = try context.requireAdmin()
        return AuditReadAccess(actor: context.auditActor)
    }
    router.group("/audit").addRoutes(reads.routeCollection)

    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "notes-app"),
        services: [system],
        logger: logger
    )
}
