import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal plain-HTTP/1.1 client (one request per connection), used by `bench` to wait for the
/// server, by `verify --server`, and by the CLI tests. Blocking; not for hot paths; no TLS (put a
/// TLS-terminating proxy's plain side, or the server's own port, behind it).
enum LoopbackHTTP {
    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func request(
        port: Int,
        method: String,
        path: String,
        headers: [(String, String)] = [],
        body: [UInt8] = []
    ) throws -> Response {
        try request(host: "127.0.0.1", port: port, method: method, path: path, headers: headers, body: body)
    }

    /// One request to `host` (a name or an address) on `port`.
    static func request(
        host: String,
        port: Int,
        method: String,
        path: String,
        headers: [(String, String)] = [],
        body: [UInt8] = []
    ) throws -> Response {
        let fd = try openConnection(host: host, port: port)
        defer { close(fd) }
        try sendRequest(fd, host: host, port: port, method: method, path: path, headers: headers, body: body)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        return try parse(received)
    }

    /// A connected TCP socket to `host` (a name or an address) on `port`; the caller closes it.
    static func openConnection(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let first = found else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(found) }
        var fd: Int32 = -1
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate, fd < 0 {
            let attempt = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if attempt >= 0, connect(attempt, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                fd = attempt
            } else if attempt >= 0 {
                close(attempt)
            }
            candidate = info.pointee.ai_next
        }
        guard fd >= 0 else { throw Failure(description: "connection to \(host):\(port) refused") }
        return fd
    }

    /// Sends one request (`Connection: close`) on `fd`.
    static func sendRequest(
        _ fd: Int32,
        host: String,
        port: Int,
        method: String,
        path: String,
        headers: [(String, String)],
        body: [UInt8]
    ) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        let out = Array(head.utf8) + body
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(description: "send failed") }
            sent += n
        }
    }

    static func parse(_ bytes: [UInt8]) throws -> Response {
        guard let end = headerEnd(bytes) else { throw Failure(description: "no HTTP response") }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line") }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var body = Array(bytes[(end + 4)...])
        if isChunked(headers) {
            var decoder = ChunkDecoder()
            body = decoder.decode(body)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// Whether the headers say `Transfer-Encoding: chunked`.
    static func isChunked(_ headers: [(String, String)]) -> Bool {
        headers.contains { $0.0 == "transfer-encoding" && $0.1.lowercased().contains("chunked") }
    }
}
