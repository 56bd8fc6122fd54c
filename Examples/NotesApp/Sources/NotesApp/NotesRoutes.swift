import AuditTrail
import AuditTrailHummingbird
import Foundation
import Hummingbird

/// The example's routes. Requests are recorded by the middleware; the handlers add what only they
/// know: who signed in (``AuditActorScope``), and the domain events with before/after state
/// (``AuditLogger`` and its typed helpers).
struct NotesRoutes: Sendable {
    let accounts: NotesAccounts
    let notes: NotesStore
    let audit: AuditLogger

    struct Credentials: Decodable {
        var username: String
        var password: String
    }

    struct NoteBody: Decodable {
        var title: String
        var body: String
    }

    struct RoleBody: Decodable {
        var role: String
    }

    func add(to router: Router<NotesContext>) {
        router.get("/healthz") { _, _ in HTTPResponse.Status.ok }
        router.post("/login", use: login)
        router.post("/logout", use: logout)
        router.get("/notes", use: list)
        router.get("/notes/export", use: export)
        router.post("/notes", use: create)
        router.get("/notes/{id}", use: read)
        router.put("/notes/{id}", use: update)
        router.delete("/notes/{id}", use: delete)
        router.post("/admin/users/{id}/role", use: setRole)
    }

    /// `auth.login` (or `auth.login.failure` on the 401): the middleware's path rule; the handler
    /// names the actor, which the anonymous request did not carry.
    @Sendable func login(_ request: Request, context: NotesContext) async throws -> [String: String] {
        let credentials = try await request.decode(as: Credentials.self, context: context)
        guard let (user, token) = await accounts.signIn(name: credentials.username, password: credentials.password) else {
            AuditActorScope.record(.init(name: String(credentials.username.prefix(64)), type: "unauthenticated"))
            throw HTTPError(.unauthorized, message: "wrong user name or password")
        }
        AuditActorScope.record(.init(id: user.id, name: user.name, type: "user"))
        return ["token": token]
    }

    @Sendable func logout(_ request: Request, context: NotesContext) async throws -> HTTPResponse.Status {
        _ = try context.requireUser()
        if let header = request.headers[.authorization] { await accounts.signOut(token: String(header.dropFirst(7))) }
        return .noContent
    }

    @Sendable func list(_ request: Request, context: NotesContext) async throws -> [[String: String]] {
        await notes.notes(of: try context.requireUser().id).map(\.json)
    }

    /// An export is recorded durably before the data leaves (`write`, not `record`): no record, no data.
    @Sendable func export(_ request: Request, context: NotesContext) async throws -> [[String: String]] {
        let user = try context.requireUser()
        let mine = await notes.notes(of: user.id)
        try await audit.write(.dataExport(.init(type: "note"), by: context.auditActor, format: "json", recordCount: mine.count))
        return mine.map(\.json)
    }

    @Sendable func create(_ request: Request, context: NotesContext) async throws -> EditedResponse<[String: String]> {
        let user = try context.requireUser()
        let body = try await request.decode(as: NoteBody.self, context: context)
        let note = await notes.create(owner: user.id, title: body.title, body: body.body)
        return EditedResponse(status: .created, response: note.json)
    }

    @Sendable func read(_ request: Request, context: NotesContext) async throws -> [String: String] {
        try await ownedNote(context).json
    }

    /// The middleware records `data.update`; the helper adds the before/after of the note.
    @Sendable func update(_ request: Request, context: NotesContext) async throws -> [String: String] {
        let note = try await ownedNote(context)
        let body = try await request.decode(as: NoteBody.self, context: context)
        guard let (before, after) = await notes.update(note.id, title: body.title, body: body.body) else {
            throw HTTPError(.notFound)
        }
        audit.record(
            .dataUpdate(
                .init(type: "note", id: String(note.id)),
                by: context.auditActor,
                before: ["title": .string(before.title)],
                after: ["title": .string(after.title)]
            )
        )
        return after.json
    }

    @Sendable func delete(_ request: Request, context: NotesContext) async throws -> HTTPResponse.Status {
        let note = try await ownedNote(context)
        _ = await notes.delete(note.id)
        return .noContent
    }

    /// An admin action: the middleware records `admin.action` (path rule) or `authz.denied` (403);
    /// the helper records the role change itself, durably, with before and after.
    @Sendable func setRole(_ request: Request, context: NotesContext) async throws -> [String: String] {
        _ = try context.requireAdmin()
        let id = context.parameters.get("id") ?? ""
        let body = try await request.decode(as: RoleBody.self, context: context)
        guard body.role == "admin" || body.role == "member" else {
            throw HTTPError(.badRequest, message: "role: must be admin or member")
        }
        guard let (before, after) = await accounts.setAdmin(body.role == "admin", forUserID: id) else {
            throw HTTPError(.notFound, message: "no such user")
        }
        try await audit.write(.roleChanged(of: id, by: context.auditActor, before: before, after: after))
        return ["id": id, "role": body.role]
    }

    private func ownedNote(_ context: NotesContext) async throws -> Note {
        let user = try context.requireUser()
        guard let id = context.parameters.get("id", as: Int.self), let note = await notes.note(id), note.owner == user.id else {
            throw HTTPError(.notFound, message: "no such note")
        }
        return note
    }
}
