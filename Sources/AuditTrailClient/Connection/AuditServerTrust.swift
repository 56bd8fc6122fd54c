import NIOSSL

/// Which certificate authorities an `https` connection trusts: the system's roots, or the
/// certificates of one PEM file (a private CA).
///
/// ```swift
/// var configuration = AuditServerConnection.Configuration(server: "https://audit.internal:8443", apiKey: key)
/// configuration.trust = .caFile("/etc/audittrail/ca.pem")
/// ```
public struct AuditServerTrust: Sendable, Hashable, CustomStringConvertible {
    private enum Base: Sendable, Hashable {
        case systemRoots
        case caFile(String)
    }
    private let base: Base

    /// The operating system's trusted roots (the default).
    public static let systemRoots = AuditServerTrust(base: .systemRoots)

    /// Only the certificates in the PEM file at `path` (one or more `CERTIFICATE` blocks).
    public static func caFile(_ path: String) -> AuditServerTrust { AuditServerTrust(base: .caFile(path)) }

    /// The PEM file, for ``caFile(_:)``.
    public var caFilePath: String? {
        if case .caFile(let path) = base { path } else { nil }
    }

    public var description: String {
        switch base {
        case .systemRoots: "the system's trusted roots"
        case .caFile(let path): "the CA in \(path)"
        }
    }

    /// The TLS configuration of a client with this trust; a CA file that cannot be read or holds
    /// no certificate throws ``AuditClientError/Code/tlsFailed`` naming the file.
    func tlsConfiguration() throws(AuditClientError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch base {
        case .systemRoots:
            tls.trustRoots = .default
        case .caFile(let path):
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(path)
            } catch {
                throw AuditClientError(.tlsFailed, "cannot read the CA file \(path): \(error)")
            }
            guard !certificates.isEmpty else { throw AuditClientError(.tlsFailed, "the CA file \(path) holds no PEM certificate") }
            tls.trustRoots = .certificates(certificates)
        }
        return tls
    }
}
