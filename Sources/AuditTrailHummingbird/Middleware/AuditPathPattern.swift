/// Which requests a middleware rule applies to: an exact path, a path prefix (whole leading
/// segments), or a route template as registered with the router (`/users/{id}`).
///
/// Patterns are compiled to bytes once, when the middleware is made; matching a request compares
/// bytes and allocates nothing.
///
/// ```swift
/// let patterns: [AuditPathPattern] = [.exact("/healthz"), .prefix("/internal"), .route("/users/{id}")]
/// ```
public struct AuditPathPattern: Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case exact, prefix, route
    }

    private let kind: Kind
    /// The path, prefix or template, as written.
    public let text: String
    private let bytes: [UInt8]

    private init(_ kind: Kind, _ text: String) {
        self.kind = kind
        // A prefix is stored without its trailing slash so that `/admin/` and `/admin` mean the same.
        var text = text
        if kind == .prefix, text.count > 1, text.hasSuffix("/") { text.removeLast() }
        self.text = text
        self.bytes = Array(text.utf8)
    }

    /// The request path (without query) equals `path`.
    public static func exact(_ path: String) -> AuditPathPattern { AuditPathPattern(.exact, path) }

    /// The request path starts with `prefix` at a segment boundary: `/admin` matches `/admin` and
    /// `/admin/users`, not `/administrators`.
    public static func prefix(_ prefix: String) -> AuditPathPattern { AuditPathPattern(.prefix, prefix) }

    /// The route the router matched (`context.endpointPath`) equals `template` (`/users/{id}`).
    public static func route(_ template: String) -> AuditPathPattern { AuditPathPattern(.route, template) }

    /// Whether the request matches: `path` is the request path without its query, `route` the
    /// matched route template (nil before routing or when no route matched).
    public func matches(path: Substring.UTF8View, route: String?) -> Bool {
        switch kind {
        case .exact:
            return path.elementsEqual(bytes)
        case .prefix:
            guard path.starts(with: bytes) else { return false }
            if bytes == [UInt8(ascii: "/")] { return true }
            let rest = path.dropFirst(bytes.count)
            return rest.isEmpty || rest.first == UInt8(ascii: "/")
        case .route:
            guard let route else { return false }
            return route.utf8.elementsEqual(bytes)
        }
    }

    /// Whether the pattern can be decided before the handler ran (exact paths and prefixes).
    var isPathOnly: Bool { kind != .route }

    /// `exact /healthz`, `prefix /admin`, `route /users/{id}`.
    public var description: String {
        switch kind {
        case .exact: "exact \(text)"
        case .prefix: "prefix \(text)"
        case .route: "route \(text)"
        }
    }
}
