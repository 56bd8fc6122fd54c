/// The one query model: filters, the search language, paging and order. Every exit (HTTP list,
/// stats, export, stream, CLI query) builds one of these, usually from URL-style parameters with
/// ``init(parameters:now:allowed:)``.
///
/// ```swift
/// var query = AuditQuery()
/// query.action = .prefix("user.")
/// query.outcome = .failure
/// let page = try await store.events(matching: query)
/// ```
public struct AuditQuery: Sendable, Hashable {
    /// An exact action or an action prefix (`user.*`).
    public enum ActionMatch: Sendable, Hashable {
        case exact(String)
        /// The text before `*`, e.g. `user.` for `user.*`.
        case prefix(String)

        public init(_ text: String) {
            if text.hasSuffix("*") { self = .prefix(String(text.dropLast())) } else { self = .exact(text) }
        }

        public func matches(_ action: String) -> Bool {
            switch self {
            case .exact(let value): action.utf8.elementsEqual(value.utf8)
            case .prefix(let value): action.utf8.starts(with: value.utf8)
            }
        }
    }

    public enum Order: String, Sendable, Hashable, CaseIterable {
        /// Newest first (the default).
        case desc
        case asc
    }

    public var action: ActionMatch?
    public var category: String?
    /// `actor.id` equals.
    public var actor: String?
    public var actorName: String?
    public var resourceType: String?
    public var resourceID: String?
    public var outcome: AuditOutcome?
    public var severity: AuditSeverity?
    public var minSeverity: AuditSeverity?
    public var ip: AuditCIDR?
    public var correlationID: String?
    public var tag: String?
    /// Event `time` at or after.
    public var since: AuditTime?
    /// Event `time` before.
    public var until: AuditTime?
    /// The parsed `q` parameter.
    public var search: AuditSearchExpression?
    /// The principal may only see events whose `actor.id` equals this (viewer keys). ANDed with
    /// everything else; set by the server, never by a parameter.
    public var visibleActor: String?
    public var limit: Int = 100
    /// Continue after this seq (exclusive), in the query's order.
    public var cursor: AuditCursor?
    public var order: Order = .desc

    public static let maximumLimit = 1000
    /// The longest look-back `hours` accepts: ten years.
    public static let maximumHours = 24 * 366 * 10
    /// The longest value of any query parameter, in characters (Unicode code points; `q` included:
    /// ``AuditSearchParser/maximumLength``).
    public static let maximumParameterLength = 1024

    public init() {}
}

extension AuditQuery {
    /// The parameter names that filter (shared by list, stats, export and stream).
    public static let filterParameters: [String] = [
        "action", "category", "actor", "actor_name", "resource_type", "resource_id", "outcome", "severity",
        "min_severity", "ip", "correlation_id", "tag", "since", "until", "hours", "q",
    ]
    /// Paging parameters.
    public static let pagingParameters: [String] = ["limit", "cursor", "order"]

    /// Builds a query from URL query parameters. Unknown parameters and bad values throw, naming
    /// the parameter. `allowed` adds route-specific names (e.g. `bucket`, `format`) that are
    /// accepted here and read by the caller.
    public init(parameters: [(String, String)], now: AuditTime = .now(), allowed extra: Set<String> = []) throws(AuditTrailError) {
        self.init()
        var r = FieldReader(prefix: "")
        var seen = Set<String>()
        var lookBack: AuditTime?
        let known = Set(Self.filterParameters + Self.pagingParameters).union(extra)
        for (name, value) in parameters {
            guard known.contains(name) else {
                r.fail(name, "unknown parameter")
                continue
            }
            guard seen.insert(name).inserted else {
                r.fail(name, "given more than once")
                continue
            }
            if extra.contains(name) { continue }
            let invalidEmpty = value.isEmpty && name != "cursor"
            if invalidEmpty {
                r.fail(name, "must not be empty")
                continue
            }
            if value.exceedsLength(Self.maximumParameterLength) {
                r.fail(name, "must be at most \(Self.maximumParameterLength) characters")
                continue
            }
            switch name {
            case "action":
                let match = ActionMatch(value)
                let text: String
                switch match {
                case .exact(let t): text = t
                case .prefix(let t): text = t.hasSuffix(".") ? String(t.dropLast()) : t
                }
                if !text.isEmpty, !AuditEventValidator.isDotted(text, minimumSegments: 1) {
                    r.fail(name, "must be an action such as user.login, or a prefix such as user.*")
                }
                action = match
            case "category": category = value
            case "actor": actor = value
            case "actor_name": actorName = value
            case "resource_type": resourceType = value
            case "resource_id": resourceID = value
            case "correlation_id": correlationID = value
            case "tag": tag = value
            case "outcome":
                if let v = AuditOutcome(rawValue: value) { outcome = v } else { r.fail(name, "must be one of success, failure, denied") }
            case "severity", "min_severity":
                guard let v = AuditSeverity(rawValue: value) else {
                    r.fail(name, "must be one of debug, info, warning, error, critical")
                    continue
                }
                if name == "severity" { severity = v } else { minSeverity = v }
            case "ip":
                if let v = AuditCIDR(value) { ip = v } else { r.fail(name, "must be an IP address or CIDR block such as 10.0.0.0/8") }
            case "since", "until":
                guard let t = AuditTime(rfc3339Bound: value) else {
                    r.fail(name, "must be an RFC 3339 time such as 2026-11-22T08:00:00Z")
                    continue
                }
                if name == "since" { since = t } else { until = t }
            case "hours":
                guard let h = Double(value), h > 0, h <= Double(Self.maximumHours) else {
                    r.fail(name, "must be a number of hours greater than 0 and at most \(Self.maximumHours)")
                    continue
                }
                lookBack = now.adding(milliseconds: -Int64(h * 3_600_000))
            case "q":
                do { search = try AuditSearchParser.parse(value) } catch {
                    r.errors += error.fieldErrors.isEmpty ? [.init(field: "q", message: error.message)] : error.fieldErrors
                }
            case "limit":
                guard let n = Int(value), (1...Self.maximumLimit).contains(n) else {
                    r.fail(name, "must be an integer from 1 to \(Self.maximumLimit)")
                    continue
                }
                limit = n
            case "cursor":
                if value.isEmpty { continue }
                if let c = AuditCursor(token: value) { cursor = c } else { r.fail(name, "is not a cursor this server issued") }
            case "order":
                if let o = Order(rawValue: value) { order = o } else { r.fail(name, "must be desc or asc") }
            default: break
            }
        }
        // Every filter narrows: hours and since both bound the start (the later one wins),
        // severity and min_severity both apply, and until at or before since matches nothing.
        // No pair of parameters is refused, so a client built from the OpenAPI document (which
        // cannot relate two parameters) never sends a request that is refused for a combination.
        if let lookBack { since = since.map { max($0, lookBack) } ?? lookBack }
        try r.throwIfFailed()
    }
}
