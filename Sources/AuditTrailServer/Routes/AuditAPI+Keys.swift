import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird

extension AuditAPI {
    /// `POST /v1/keys` (admin): `{"name","role","subject"}` → `201 {"id","key","name","role",
    /// "subject","created_at"}`. The secret is in this response only; the store keeps its hash.
    @Sendable func createKey(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "manage keys") { $0.canAdminister }
        let body = try await AuditRequestInput.body(request, limit: Self.maxSmallBodyBytes, field: "body")
        let (name, role, subject) = try Self.keyRequest(JSONParser.parse(body.readableBytesView, limits: .request))
        let (key, secret) = try AuditAPIKey.generate(name: name, role: role, subject: subject)
        try await store.insertKey(key, secretHash: AuditAPIKey.hash(secret: secret))
        do {
            _ = try await writer.append(validator.prepare(.keyCreated(key, by: Self.actor(principal)), producer: .server))
        } catch {
            // A key whose creation is not in the log must not work.
            _ = try? await store.revokeKey(id: key.id, at: .now())
            throw error
        }
        var w = AuditJSONWriter()
        w.object { o in
            o.string("id", key.id)
            o.string("key", secret)
            o.string("name", key.name)
            o.string("role", key.role.rawValue)
            o.string("subject", key.subject)
            o.time("created_at", key.createdAt)
        }
        return json(w.bytes, status: .created)
    }

    /// `GET /v1/me` (any key): the key's own public record, `{"id","name","role","subject"}` — what
    /// a client such as the web explorer shows, and which views it offers.
    @Sendable func me(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try AuditQuery(parameters: try AuditRequestInput.queryParameters(request), allowed: [])
        var w = AuditJSONWriter()
        w.object { o in
            o.string("id", principal.keyID)
            o.string("name", principal.name)
            o.string("role", principal.role.rawValue)
            o.string("subject", principal.subject)
        }
        return json(w.bytes)
    }

    /// `GET /v1/keys` (admin): every key's public record, never a secret.
    @Sendable func listKeys(_ request: Request, context: AuditRequestContext) async throws -> Response {
        _ = try require(context, "manage keys") { $0.canAdminister }
        _ = try AuditQuery(parameters: try AuditRequestInput.queryParameters(request), allowed: [])
        let keys = try await store.keys()
        var w = AuditJSONWriter(capacity: 128 * (keys.count + 1))
        w.object { o in
            o.array("keys") { a in
                for key in keys {
                    a.object { k in
                        k.string("id", key.id)
                        k.string("name", key.name)
                        k.string("role", key.role.rawValue)
                        k.string("subject", key.subject)
                        k.time("created_at", key.createdAt)
                        k.time("revoked_at", key.revokedAt)
                    }
                }
            }
        }
        return json(w.bytes)
    }

    /// `DELETE /v1/keys/{id}` (admin): revokes at once → `204`, or `404` for no such active key.
    @Sendable func revokeKey(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "manage keys") { $0.canAdminister }
        let id = context.parameters.get("id") ?? ""
        guard !id.isEmpty, id.utf8.count <= 256 else { throw AuditProblem.notFound("no active key with this id") }
        guard try await store.revokeKey(id: id, at: .now()) else {
            throw AuditProblem.notFound("no active key with this id")
        }
        authenticator.invalidate(keyID: id)
        _ = try await writer.append(validator.prepare(.keyRevoked(id: id, by: Self.actor(principal)), producer: .server))
        return Response(status: .noContent)
    }

    /// Reads `{"name","role","subject"}`, naming every bad field.
    static func keyRequest(_ value: JSONValue) throws(AuditTrailError) -> (String, AuditRole, String?) {
        guard case .object(let object) = value else { throw AuditTrailError.invalid("body", "must be a JSON object") }
        var errors: [AuditTrailError.FieldError] = []
        for key in object.keys.sorted() where !["name", "role", "subject"].contains(key) {
            errors.append(.init(field: key, message: "unknown field"))
        }
        func string(_ key: String, required: Bool) -> String? {
            switch object[key] {
            case nil, .null?:
                if required { errors.append(.init(field: key, message: "is required")) }
                return nil
            case .string(let text)?: return text
            case let other?:
                errors.append(.init(field: key, message: "must be a string, not \(other.typeName)"))
                return nil
            }
        }
        let name = string("name", required: true)
        let roleText = string("role", required: true)
        let subject = string("subject", required: false)
        var role: AuditRole?
        if let roleText {
            role = AuditRole(rawValue: roleText)
            if role == nil { errors.append(.init(field: "role", message: "must be one of admin, auditor, writer, viewer")) }
        }
        guard errors.isEmpty, let name, let role else {
            throw AuditTrailError(
                .invalidInput,
                errors.count == 1 ? "\(errors[0].field): \(errors[0].message)" : "\(errors.count) fields are invalid",
                fieldErrors: Array(errors.prefix(AuditTrailError.maxFieldErrors))
            )
        }
        return (name, role, subject)
    }
}
