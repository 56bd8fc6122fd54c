import AuditTrail
import AuditTrailHummingbird
import Hummingbird
import Logging
import NIOCore

/// The request context of the AuditTrail server: Hummingbird's core storage, the peer's address
/// (``RemoteAddressRequestContext``, for whatever middleware reads it; it grants no access) and
/// the principal the key middleware authenticated.
public struct AuditRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer, when the request came over a socket (nil in router tests).
    public let remoteAddress: SocketAddress?
    /// Set by the key middleware on `/v1/` routes.
    public var principal: AuditPrincipal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.principal = nil
    }

    /// The authenticated principal; throws 401 when the key middleware did not run.
    func requirePrincipal() throws -> AuditPrincipal {
        guard let principal else { throw AuditProblem.unauthorized("an API key is required") }
        return principal
    }
}
