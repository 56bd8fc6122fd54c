import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Authenticates every request below it (the `/v1/` group): 401 with `WWW-Authenticate: Bearer`
/// for no key or an unknown or revoked one. Role checks are the routes' business (403).
struct AuditKeyMiddleware: RouterMiddleware {
    typealias Context = AuditRequestContext
    let authenticator: AuditKeyAuthenticator
    /// Told of each authenticated request's key and address (the built-in rule `builtin.key-new-ip`).
    let keyAddresses: AuditKeyAddressWatch?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let digest = AuditKeyAuthenticator.presentedKeyDigest(in: request.headers) else {
            throw AuditProblem.unauthorized("an API key is required: Authorization: Bearer <key> or X-API-Key: <key>")
        }
        guard let principal = try await authenticator.principal(forDigest: digest) else {
            throw AuditProblem.unauthorized("the API key is unknown or revoked")
        }
        if let keyAddresses, let address = context.remoteAddress?.ipAddress {
            keyAddresses.used(keyID: principal.keyID, keyName: principal.name, address: address)
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "audit.key.id"] = .string(principal.keyID)
        return try await next(request, context)
    }
}
