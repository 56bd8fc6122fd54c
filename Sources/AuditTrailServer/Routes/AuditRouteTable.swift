import HTTPTypes
import Hummingbird

/// The routes the router actually serves, as (method, path template) pairs. The OpenAPI test
/// compares the document with this table, and the 405 middleware uses it to tell "no such path"
/// from "no such method on this path".
struct AuditRouteTable: Sendable {
    struct Route: Sendable, Hashable {
        var method: HTTPRequest.Method
        /// `/v1/events/{id}` style.
        var template: String
    }

    let routes: [Route]
    private let parsed: [(HTTPRequest.Method, [Segment])]

    enum Segment: Sendable {
        case literal(Substring)
        case parameter
    }

    init(routes: [Route]) {
        self.routes = routes
        self.parsed = routes.map { route in
            (
                route.method,
                route.template.split(separator: "/").map { part in
                    part.hasPrefix("{") && part.hasSuffix("}") ? .parameter : .literal(part)
                }
            )
        }
    }

    init<Context>(router: Router<Context>) {
        self.init(routes: router.routes.map { Route(method: $0.method, template: $0.path.description) })
    }

    /// The methods served at `path` (no query string), in a stable order. As in the router, a
    /// literal segment wins over a parameter: `/v1/events/batch` is the batch route's path
    /// only, not also an `{id}` of `/v1/events/{id}`.
    func methods(matching path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/")
        var found: [HTTPRequest.Method] = []
        var literals = -1
        for (method, segments) in parsed where segments.count == parts.count {
            var count = 0
            let matches = zip(segments, parts).allSatisfy { segment, part in
                switch segment {
                case .literal(let text):
                    count += 1
                    return text == part
                case .parameter: return true
                }
            }
            guard matches, count >= literals else { continue }
            if count > literals { (found, literals) = ([], count) }
            if !found.contains(method) { found.append(method) }
        }
        return found.sorted { $0.rawValue < $1.rawValue }
    }
}
