import AuditTrail
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOSSL

extension AuditServerConfiguration {
    /// Whether the server speaks HTTPS (both ``tlsCertificateFile`` and ``tlsKeyFile`` are set).
    public var usesTLS: Bool { tlsCertificateFile != nil && tlsKeyFile != nil }

    /// The HTTP/1.1 server, wrapped in TLS (HummingbirdTLS) when a certificate and key are set.
    ///
    /// Either way a connection closes after ``Options/idleTimeout`` without a complete request
    /// head (from connecting or from the previous response) or between two reads of a request
    /// body (Hummingbird's `HTTP1Channel` idle timeout; a response being written is never cut
    /// off), and a `Connection: close` request answered before its body was read is read to its
    /// end and then closed (``AuditLingeringCloseHandler``); a response its client takes none of
    /// for ``Options/writeTimeout`` is ended by closing the connection (``AuditStalledWriteHandler``).
    ///
    /// ```swift
    /// configuration.tlsCertificateFile = "/etc/audittrail/server.pem"
    /// configuration.tlsKeyFile = "/etc/audittrail/server.key"
    /// let server = try configuration.httpServer()   // .tls(.http1(), tlsConfiguration: …)
    /// ```
    /// - Throws: ``AuditTrail/AuditTrailError`` `.invalidInput` naming `--tls-cert` or `--tls-key`
    ///   when a file cannot be read as PEM, or only one of them is set.
    public func httpServer() throws -> HTTPServerBuilder {
        guard let certificateFile = tlsCertificateFile, let keyFile = tlsKeyFile else {
            if tlsCertificateFile != nil || tlsKeyFile != nil {
                throw AuditTrailError.invalid("--tls-cert", "and --tls-key must be given together")
            }
            return plainServer
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw AuditTrailError.invalid("--tls-cert", "must be a readable PEM certificate chain (\(certificateFile): \(error))")
        }
        guard !chain.isEmpty else { throw AuditTrailError.invalid("--tls-cert", "must hold at least one PEM certificate (\(certificateFile))") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw AuditTrailError.invalid("--tls-key", "must be a readable PEM private key (\(keyFile): \(error))")
        }
        let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        return try .tls(plainServer, tlsConfiguration: tls)
    }

    /// The HTTP/1.1 server without TLS: ``AuditHTTP1Channel`` with the idle timeout.
    private var plainServer: HTTPServerBuilder {
        let channel = HTTP1Channel.Configuration(idleTimeout: TimeAmount(options.idleTimeout))
        let writeTimeout = TimeAmount(options.writeTimeout)
        return HTTPServerBuilder { responder in
            AuditHTTP1Channel(base: HTTP1Channel(responder: responder, configuration: channel), writeTimeout: writeTimeout)
        }
    }
}
