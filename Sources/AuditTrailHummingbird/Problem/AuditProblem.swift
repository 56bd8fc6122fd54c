import AuditTrail
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// An RFC 9457 problem: the body of every 4xx and 5xx the server, the read routes and the
/// fail-closed middleware send
/// (`Content-Type: application/problem+json`).
///
/// This file is the one place where errors become HTTP statuses (for the server and for apps that
/// mount ``AuditReadRoutes``).
///
/// ```json
/// {"type":"urn:audittrail:problem:invalid-input","title":"Invalid input","status":400,
///  "detail":"actor.ip: must be an IPv4 or IPv6 address",
///  "errors":[{"field":"actor.ip","message":"must be an IPv4 or IPv6 address"}]}
/// ```
public struct AuditProblem: Error, HTTPResponseError, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A short slug for the `type` URI (`urn:audittrail:problem:<slug>`).
    public var slug: String
    /// A short, fixed summary of the problem type.
    public var title: String
    /// What went wrong; never a payload, key or actor identity.
    public var detail: String
    /// Each bad field and the rule it broke.
    public var errors: [AuditTrailError.FieldError]
    /// Extra headers (`WWW-Authenticate`, `Retry-After`, `Allow`).
    public var headers: HTTPFields

    /// A problem with this status, type slug, title and detail.
    public init(
        _ status: HTTPResponse.Status,
        slug: String,
        title: String,
        detail: String,
        errors: [AuditTrailError.FieldError] = [],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    /// The media type of problem bodies.
    public static let contentType = "application/problem+json"

    /// 401: no key, or a key that is unknown or revoked.
    public static func unauthorized(_ detail: String) -> AuditProblem {
        AuditProblem(
            .unauthorized,
            slug: "unauthorized",
            title: "Unauthorized",
            detail: detail,
            headers: [.wwwAuthenticate: #"Bearer realm="audittrail""#]
        )
    }

    /// 403: a known key without the right for this route.
    public static func forbidden(_ detail: String) -> AuditProblem {
        AuditProblem(.forbidden, slug: "forbidden", title: "Forbidden", detail: detail)
    }

    /// 404.
    public static func notFound(_ detail: String) -> AuditProblem {
        AuditProblem(.notFound, slug: "not-found", title: "Not found", detail: detail)
    }

    /// 503: a read of the log whose record (`audit.query`, `audit.export`, `audit.verify`) could
    /// not be made durable. Reads are recorded fail-closed: no durable record, no data. The detail
    /// names the cause (a full write queue, a writer shutting down, a store that failed).
    package static func readNotRecorded(_ error: any Error) -> AuditProblem {
        let cause: String
        switch (error as? AuditTrailError)?.code {
        case .overloaded?: cause = "the write queue is full"
        case .shuttingDown?: cause = "the writer is shutting down"
        case .invalidInput?: cause = "the record was refused as invalid"
        default: cause = "the store failed to commit it"
        }
        return AuditProblem(
            .serviceUnavailable,
            slug: "read-not-recorded",
            title: "Read not recorded",
            detail: "this read of the log could not be recorded durably (\(cause)), so nothing of it is sent; retry shortly",
            headers: [.retryAfter: "1"]
        )
    }

    /// Maps any error to a problem. Unknown errors become a 500 whose detail says nothing.
    public init(_ error: any Error) {
        switch error {
        case let problem as AuditProblem:
            self = problem
        case let error as AuditTrailError:
            self.init(auditError: error)
        case let error as HTTPError:
            self.init(
                error.status,
                slug: Self.slug(for: error.status),
                title: error.status.reasonPhrase,
                detail: error.body ?? error.status.reasonPhrase,
                headers: error.headers
            )
        case is NIOTooManyBytesError:
            self.init(
                .contentTooLarge,
                slug: "too-large",
                title: "Content too large",
                detail: "the request body is larger than this route accepts",
                errors: [.init(field: "body", message: "is too large")]
            )
        case let error as any HTTPResponseError:
            self.init(
                error.status,
                slug: Self.slug(for: error.status),
                title: error.status.reasonPhrase,
                detail: error.status.reasonPhrase
            )
        default:
            self.init(
                .internalServerError,
                slug: "internal",
                title: "Internal server error",
                detail: "the server failed to handle the request"
            )
        }
    }

    /// The HTTP meaning of each ``AuditTrailError/Code``.
    package init(auditError error: AuditTrailError) {
        let detail = error.message
        switch error.code {
        case .invalidInput:
            self.init(.badRequest, slug: "invalid-input", title: "Invalid input", detail: detail, errors: error.fieldErrors)
        case .tooLarge:
            self.init(.contentTooLarge, slug: "too-large", title: "Content too large", detail: detail, errors: error.fieldErrors)
        case .notFound:
            self.init(.notFound, slug: "not-found", title: "Not found", detail: detail)
        case .overloaded:
            self.init(.serviceUnavailable, slug: "overloaded", title: "Overloaded", detail: detail, headers: [.retryAfter: "1"])
        case .shuttingDown:
            self.init(.serviceUnavailable, slug: "shutting-down", title: "Shutting down", detail: detail, headers: [.retryAfter: "1"])
        case .conflict:
            self.init(.conflict, slug: "conflict", title: "Conflict", detail: detail, errors: error.fieldErrors)
        case .timedOut:
            // A 4xx, not a 5xx: a reader never makes the server fail. 422: the request is well
            // formed but this server will not spend more on it; Retry-After still says that the
            // same read may fit when the server is less busy.
            self.init(
                .unprocessableContent,
                slug: "query-timeout",
                title: "Query timeout",
                detail: detail + "; narrow the filters or the time range, or retry",
                headers: [.retryAfter: "1"]
            )
        case .cancelled:
            self.init(.serviceUnavailable, slug: "cancelled", title: "Cancelled", detail: detail)
        case .storeFull:
            self.init(
                .serviceUnavailable,
                slug: "store-full",
                title: "Store full",
                detail:
                    "the disk of the data directory is full (SQLITE_FULL / ENOSPC); nothing of this request was stored; retry once space is freed",
                headers: [.retryAfter: "5"]
            )
        case .unavailable:
            self.init(.serviceUnavailable, slug: "store-unavailable", title: "Store unavailable", detail: detail, headers: [.retryAfter: "2"])
        case .tampered:
            self.init(.internalServerError, slug: "tampered", title: "Stored data does not verify", detail: detail)
        default:
            self.init(
                .internalServerError,
                slug: "store-failure",
                title: "Store failure",
                detail: "the store failed; nothing of this request was acknowledged"
            )
        }
    }

    /// The `type` slug of a bare status.
    package static func slug(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad-request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not-found"
        case 405: "method-not-allowed"
        case 413: "too-large"
        case 503: "unavailable"
        default: "http-\(status.code)"
        }
    }

    /// The problem+json body.
    public var body: [UInt8] {
        var w = AuditJSONWriter()
        w.object { o in
            o.string("type", "urn:audittrail:problem:" + slug)
            o.string("title", title)
            o.int("status", Int64(status.code))
            o.string("detail", detail)
            o.array("errors") { a in
                for error in errors {
                    a.object { e in
                        e.string("field", error.field)
                        e.string("message", error.message)
                    }
                }
            }
        }
        return w.bytes
    }

    /// The problem+json response, with ``headers``.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = Self.contentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
