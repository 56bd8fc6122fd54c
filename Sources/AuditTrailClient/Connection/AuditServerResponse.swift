import AuditTrail

/// One answer of the server: status, headers and body, with the readings a caller needs — the
/// JSON body, the problem detail of an error, and `Retry-After`.
///
/// ```swift
/// let response = try await connection.get("/v1/stats")
/// let stats = try response.requireSuccess("GET /v1/stats").json()
/// ```
public struct AuditServerResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The headers, names as sent.
    public var headers: [(String, String)]
    /// The body (empty for a streamed 2xx answer, whose body went to the caller).
    public var body: [UInt8]

    /// An answer from its parts.
    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The first value of the header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// `Retry-After` in whole seconds (the form the server sends), or nil.
    public var retryAfter: Duration? {
        guard let text = header("Retry-After"), let seconds = Int(text.filter { $0 != " " && $0 != "\t" }), seconds >= 0 else {
            return nil
        }
        return .seconds(seconds)
    }

    /// The body parsed as JSON.
    ///
    /// - Throws: ``AuditClientError/Code/invalidResponse`` when it is not JSON.
    public func json() throws(AuditClientError) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw AuditClientError(.invalidResponse, "the answer (\(status)) is not JSON: \(error.message)")
        }
    }

    /// The RFC 9457 problem's `type`, when the answer is a problem.
    public var problemType: String? { (try? JSONParser.parse(body))?["type"]?.stringValue }

    /// The RFC 9457 problem's `detail` (or the start of the body), for messages.
    public var problemDetail: String {
        let problem = (try? JSONParser.parse(body))?.objectValue
        if let detail = problem?["detail"]?.stringValue { return detail }
        return String(decoding: body.prefix(200), as: UTF8.self)
    }

    /// This answer when it is 2xx; otherwise ``AuditClientError/Code/httpStatus`` naming
    /// `request`, the status and the problem's detail.
    @discardableResult
    public func requireSuccess(_ request: String = "the request") throws(AuditClientError) -> AuditServerResponse {
        guard isSuccess else { throw AuditClientError(.httpStatus, "\(request) answered \(status): \(problemDetail)", status: status) }
        return self
    }
}
