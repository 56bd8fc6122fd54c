import AsyncHTTPClient
import AuditTrail
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// A small request API over one shared AsyncHTTPClient `HTTPClient`: what ``AuditClient`` ships
/// batches with and what the CLI's `--server` commands read with, over `http` or `https`.
///
/// Every request carries the API key (`Authorization: Bearer`), has a deadline
/// (``Configuration/requestTimeout``), and turns transport failures into an
/// ``AuditClientError`` that names the server and, for TLS, the trust in use.
/// Call ``shutdown()`` once when done.
///
/// ```swift
/// let connection = try AuditServerConnection(configuration: .init(server: "https://audit:8443", apiKey: key))
/// let latest = try await connection.get("/v1/checkpoints/latest").requireSuccess().json()
/// try await connection.shutdown()
/// ```
public final class AuditServerConnection: Sendable {
    /// Where the server is and how to talk to it.
    public struct Configuration: Sendable {
        /// The server's base URL, `http://host[:port]` or `https://host[:port]`, without a path.
        public var server: String
        /// The API key sent as `Authorization: Bearer <key>`; nil sends none (`/healthz`, `/metrics`).
        public var apiKey: String?
        /// Which CAs an `https` server's certificate may chain to. Default ``AuditServerTrust/systemRoots``.
        public var trust: AuditServerTrust = .systemRoots
        /// The deadline of one request, from sending to the last byte of the answer (a streamed
        /// download is exempt). Default 30 s.
        public var requestTimeout: Duration = .seconds(30)
        /// The deadline of opening a connection. Default 5 s.
        public var connectTimeout: Duration = .seconds(5)

        /// A configuration for `server` with `apiKey`, trusting the system's roots.
        public init(server: String, apiKey: String?) {
            self.server = server
            self.apiKey = apiKey
        }
    }

    /// The configuration this connection was made with.
    public let configuration: Configuration
    /// The base URL without a trailing slash.
    public let baseURL: String
    let httpClient: HTTPClient
    private let isShutDown = Mutex(false)

    /// Checks the URL, loads the trust (a CA file is read now) and makes the shared `HTTPClient`.
    ///
    /// - Throws: ``AuditClientError`` with ``AuditClientError/Code/connectionFailed`` for a URL that
    ///   is not `http(s)://host[:port]`, ``AuditClientError/Code/tlsFailed`` for an unreadable CA file.
    public init(configuration: Configuration) throws(AuditClientError) {
        self.configuration = configuration
        baseURL = try Self.checkedBaseURL(configuration.server)
        var client = HTTPClient.Configuration()
        client.tlsConfiguration = try configuration.trust.tlsConfiguration()
        client.timeout = .init(connect: TimeAmount(configuration.connectTimeout))
        client.redirectConfiguration = .disallow
        // Drop an idle kept-alive connection before the server does (its --idle-timeout, 30 s by
        // default): a request sent on a connection the server is closing at that moment fails
        // with no answer, and a POST is not retried.
        client.connectionPool.idleTimeout = .seconds(20)
        httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: client)
    }

    /// Shuts the `HTTPClient` down, after the last request; later calls do nothing.
    public func shutdown() async throws {
        guard
            isShutDown.withLock({ wasShutDown in
                defer { wasShutDown = true }
                return !wasShutDown
            })
        else { return }
        try await httpClient.shutdown()
    }

    deinit {
        // A connection dropped without `shutdown()` (a test that failed half-way, a process
        // ending) still releases the client's connections instead of tripping its debug check.
        if isShutDown.withLock({ !$0 }) { httpClient.shutdown { _ in } }
    }

    /// `GET path` (with its query); the whole answer, whatever its status.
    public func get(_ path: String, headers: [(String, String)] = []) async throws(AuditClientError) -> AuditServerResponse {
        try await send("GET", path, headers: headers, body: nil)
    }

    /// `POST path` with `body` of `contentType`; the whole answer, whatever its status.
    public func post(
        _ path: String,
        body: [UInt8],
        contentType: String = "application/json",
        headers: [(String, String)] = []
    ) async throws(AuditClientError) -> AuditServerResponse {
        try await send("POST", path, headers: headers + [("Content-Type", contentType)], body: body)
    }

    /// One request; the answer's body is read whole (at most `maxBody` bytes).
    public func send(
        _ method: String,
        _ path: String,
        headers: [(String, String)] = [],
        body: [UInt8]?,
        maxBody: Int = 64 << 20
    ) async throws(AuditClientError) -> AuditServerResponse {
        let request = makeRequest(method, path, headers: headers, body: body)
        let deadline = NIODeadline.now() + TimeAmount(configuration.requestTimeout)
        do {
            let response = try await httpClient.execute(request, deadline: deadline)
            let bytes = try await response.body.collect(upTo: maxBody)
            return AuditServerResponse(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: Array(bytes.readableBytesView)
            )
        } catch {
            throw describe(error, method, path)
        }
    }

    /// A streamed `GET`: each piece of a 2xx answer's body goes to `body` as it arrives (never
    /// held whole); any other answer is returned with its (small) body for the caller's error.
    /// No deadline applies once the answer has started; the connect timeout still does.
    public func stream(
        _ path: String,
        headers: [(String, String)] = [],
        body: ([UInt8]) async throws -> Void
    ) async throws -> AuditServerResponse {
        let request = makeRequest("GET", path, headers: headers, body: nil)
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, deadline: .distantFuture)
        } catch {
            throw describe(error, "GET", path)
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            let bytes = (try? await response.body.collect(upTo: 1 << 16)) ?? ByteBuffer()
            return AuditServerResponse(status: status, headers: response.headers.map { ($0.name, $0.value) }, body: Array(bytes.readableBytesView))
        }
        do {
            for try await piece in response.body { try await body(Array(piece.readableBytesView)) }
        } catch let error as HTTPClientError {
            throw describe(error, "GET", path)
        }
        return AuditServerResponse(status: status, headers: response.headers.map { ($0.name, $0.value) }, body: [])
    }

    private func makeRequest(_ method: String, _ path: String, headers: [(String, String)], body: [UInt8]?) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = HTTPMethod(rawValue: method)
        if let key = configuration.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        return request
    }
}

extension AuditServerConnection {
    /// `path` with `parameters` as its query, each name and value percent-encoded (RFC 3986's
    /// unreserved characters kept): `path("/v1/events", [("q", "actor:alice")])`.
    public static func path(_ path: String, _ parameters: [(String, String)]) -> String {
        let query = parameters.map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&")
        return path + (query.isEmpty ? "" : "?" + query)
    }

    /// A query parameter's name or value, percent-encoded (RFC 3986 unreserved characters kept).
    public static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
