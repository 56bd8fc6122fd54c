import AuditTrail
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The address the server is bound to, learned from its listening channel: with port 0 this is
/// where the picked port shows.
///
/// ```swift
/// let app = try await buildAuditApplication(configuration: configuration, logger: logger) { started in
///     print("listening on \(started.address.url)")  // listening on http://127.0.0.1:43125
/// }
/// ```
public struct AuditServerAddress: Sendable, Hashable, CustomStringConvertible {
    /// The bound IP address (`127.0.0.1`, `::1`).
    public var host: String
    /// The bound port (never 0).
    public var port: Int

    /// An address from its parts.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// The IP address and port of a bound socket, or nil for a socket without them (a Unix
    /// domain socket).
    public init?(_ address: SocketAddress) {
        guard let host = address.ipAddress, let port = address.port else { return nil }
        self.init(host: host, port: port)
    }

    /// `127.0.0.1:43125`, or `[::1]:43125` for IPv6: what the port file holds.
    public var description: String {
        (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
    }

    /// `http://127.0.0.1:43125`.
    public var url: String { "http://" + description }

    /// Writes ``description`` and a newline to `path` atomically: to a temporary file beside it,
    /// renamed over `path`, so that a reader sees either no file or the whole address.
    ///
    /// - Throws: ``AuditTrailError`` `.storeFailure` naming the step that failed (with errno).
    public func write(toPortFile path: String) throws(AuditTrailError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AuditTrailError(.storeFailure, "cannot create the port file (errno \(errno))") }
        if let code = writeAll(fd, Array((description + "\n").utf8)) {
            close(fd)
            unlink(temporary)
            throw AuditTrailError(.storeFailure, "cannot write the port file (errno \(code))")
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw AuditTrailError(.storeFailure, "cannot rename the port file into place (errno \(code))")
        }
    }
}

/// Writes all of `bytes` to `fd`; the errno of a failed write, or nil.
private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
    var written = 0
    while written < bytes.count {
        let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return errno }
        written += count
    }
    return nil
}
