import AuditTrail
import Hummingbird
import NIOCore

/// Reading a request's query string and body the way every AuditTrail route does: percent-decoded
/// pairs in order, strict integer parameters, bounded bodies. Shared by the read routes and the
/// server's other routes, so a malformed query is the same `400` everywhere.
package enum AuditRequestInput {
    /// The URL query as (name, value) pairs in order, percent-decoded (`+` is a space).
    package static func queryParameters(_ request: Request) throws -> [(String, String)] {
        guard let query = request.uri.query, !query.isEmpty else { return [] }
        var pairs: [(String, String)] = []
        var errors: [AuditTrailError.FieldError] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = AuditPercentEncoding.decode(pieces[0], plusIsSpace: true) else {
                errors.append(.init(field: "query", message: "is not valid percent-encoded UTF-8"))
                continue
            }
            guard let value = AuditPercentEncoding.decode(pieces.count > 1 ? pieces[1] : "", plusIsSpace: true) else {
                errors.append(.init(field: name, message: "is not valid percent-encoded UTF-8"))
                continue
            }
            pairs.append((name, value))
        }
        if !errors.isEmpty { throw AuditTrailError(.invalidInput, "the query string is malformed", fieldErrors: errors) }
        return pairs
    }

    /// Reads exactly `names` from the query string as decimal integers: each is required, given
    /// once, and no other parameter is accepted.
    package static func integerParameters(_ request: Request, _ names: [String]) throws -> [String: Int64] {
        var values: [String: Int64] = [:]
        var seen = Set<String>()
        var errors: [AuditTrailError.FieldError] = []
        for (name, value) in try queryParameters(request) {
            guard names.contains(name) else {
                errors.append(.init(field: name, message: "unknown parameter"))
                continue
            }
            guard seen.insert(name).inserted else {
                errors.append(.init(field: name, message: "given more than once"))
                continue
            }
            guard value.utf8.count <= 19, value.utf8.allSatisfy({ (48...57).contains($0) || $0 == UInt8(ascii: "-") }),
                let number = Int64(value)
            else {
                errors.append(.init(field: name, message: "must be an integer"))
                continue
            }
            values[name] = number
        }
        for name in names where !seen.contains(name) { errors.append(.init(field: name, message: "is required")) }
        try throwIfAny(errors)
        return values
    }

    /// Throws one invalid-input error naming every field in `errors`; nothing when it is empty.
    package static func throwIfAny(_ errors: [AuditTrailError.FieldError]) throws {
        guard !errors.isEmpty else { return }
        let summary = errors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        throw AuditTrailError(.invalidInput, summary, fieldErrors: errors)
    }

    /// Reads the body up to `limit` bytes; more is a 413 naming `field` (never buffers unbounded).
    package static func body(_ request: Request, limit: Int, field: String) async throws -> ByteBuffer {
        // Made only when thrown: a request that fits builds no message.
        func tooLarge() -> AuditTrailError {
            AuditTrailError(
                .tooLarge,
                "\(field): larger than \(limit) bytes",
                fieldErrors: [.init(field: field, message: "must be at most \(limit) bytes")]
            )
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit { throw tooLarge() }
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge()
        }
    }

    /// A JSON response from hand-written bytes.
    package static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}
