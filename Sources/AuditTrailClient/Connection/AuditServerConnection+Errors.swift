import AsyncHTTPClient
import NIOCore
import NIOSSL

extension AuditServerConnection {
    /// `text` as a base URL: `http(s)://host[:port]` (an IPv6 host in brackets), a trailing slash
    /// dropped, no path, a port from 1 to 65535.
    ///
    /// ```swift
    /// try AuditServerConnection.checkedBaseURL("https://audit:8443/")  // "https://audit:8443"
    /// ```
    /// - Throws: ``AuditClientError/Code/connectionFailed`` stating the rule.
    public static func checkedBaseURL(_ text: String) throws(AuditClientError) -> String {
        let rule = "must be http://host[:port] or https://host[:port] without a path"
        var rest: Substring
        if text.hasPrefix("http://") {
            rest = text.dropFirst("http://".count)
        } else if text.hasPrefix("https://") {
            rest = text.dropFirst("https://".count)
        } else {
            throw AuditClientError(.connectionFailed, "the server URL \(text) \(rule)")
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("@") else {
            throw AuditClientError(.connectionFailed, "the server URL \(text) \(rule)")
        }
        let afterHost = rest.hasPrefix("[") ? rest.drop { $0 != "]" }.dropFirst() : rest.drop { $0 != ":" }
        if !afterHost.isEmpty {
            guard afterHost.hasPrefix(":"), let port = Int(afterHost.dropFirst()), (1...65535).contains(port) else {
                throw AuditClientError(.connectionFailed, "the server URL \(text): the port must be a number from 1 to 65535")
            }
        }
        return String(text.prefix(text.count - (text.hasSuffix("/") ? 1 : 0)))
    }

    /// A transport failure as an ``AuditClientError`` naming the request and the server.
    func describe(_ error: any Error, _ method: String, _ path: String) -> AuditClientError {
        if let error = error as? AuditClientError { return error }
        let request = "\(method) \(baseURL)\(path.prefix { $0 != "?" })"
        if error is NIOSSLError || error is BoringSSLError || "\(error)".contains("handshakeFailed") {
            return AuditClientError(
                .tlsFailed,
                "\(request): the TLS handshake failed (\(error)); the server's certificate must chain to \(configuration.trust) and name the host"
            )
        }
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                return AuditClientError(.timedOut, "\(request): no answer within the timeout (\(error))")
            }
            return AuditClientError(.connectionFailed, "\(request): \(error)")
        }
        if error is CancellationError { return AuditClientError(.connectionFailed, "\(request): cancelled") }
        return AuditClientError(.connectionFailed, "\(request): \(error)")
    }
}
