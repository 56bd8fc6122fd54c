import AuditTrail
import AuditTrailHummingbird
import Hummingbird
import Logging
import NIOCore

/// The request context of the AuditTrail server: Hummingbird's core storage, the peer's address
/// (for the loopback-only `/metrics`) and the principal the key middleware authenticated.
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

    /// Whether the peer is on this host (127.0.0.0/8 or ::1). False when unknown.
    var peerIsLoopback: Bool {
        guard let address = remoteAddress else { return false }
        switch address {
        case .v4:
            return address.ipAddress?.hasPrefix("127.") ?? false
        case .v6:
            guard let text = address.ipAddress, let ip = AuditIPAddress(text) else { return false }
            if ip.bytes == [UInt8](repeating: 0, count: 15) + [1] { return true }
            let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]
            return Array(ip.bytes.prefix(12)) == mappedPrefix && ip.bytes[12] == 127
        case .unixDomainSocket:
            return true
        }
    }
}
