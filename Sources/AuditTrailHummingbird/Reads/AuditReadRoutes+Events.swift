import AuditTrail
import HTTPTypes
import Hummingbird

extension AuditReadRoutes {
    /// `GET /events`: filters → `{"events":[…],"next_cursor":"…"|null}`, narrowed to the visible
    /// actor when the access says so. Recorded as `audit.query`.
    @Sendable func listEvents(_ request: Request, context: Context) async throws -> Response {
        let access = try await authorize(.events, request, context)
        let parameters = try AuditRequestInput.queryParameters(request)
        var query = try AuditQuery(parameters: parameters)
        restrict(&query, to: access)
        let page = try await store.events(matching: query)
        try await recordRead(.events, access, parameters: parameters, resultCount: page.events.count)
        var w = AuditJSONWriter(capacity: 64 + page.events.reduce(0) { $0 + $1.canonical.count + 80 })
        w.object { o in
            o.array("events") { a in
                for event in page.events { a.raw(nil, event.responseJSON) }
            }
            o.string("next_cursor", page.nextCursor?.token)
        }
        return AuditRequestInput.json(w.bytes)
    }

    /// `GET /events/{id}`: one event, or 404 — also when the access hides that event's actor, so
    /// that its existence does not leak.
    @Sendable func getEvent(_ request: Request, context: Context) async throws -> Response {
        let access = try await authorize(.event, request, context)
        let raw = context.parameters.get("id") ?? ""
        guard !raw.isEmpty, raw.utf8.count <= 256 else { throw AuditProblem.notFound("no event with this id") }
        let id = AuditEventID.normalizedUUID(raw) ?? raw
        var found = try await store.event(id: id)
        // The viewer's scope is checked by the matcher that checks the index's answers: actor ids
        // compare byte for byte, as in `GET /events` and `GET /stats` (never Swift's `==`, which
        // treats canonically equivalent strings, "é" and "e\u{301}", as equal).
        var scope = AuditQuery()
        restrict(&scope, to: access)
        if let event = found, scope.visibleActor != nil, try !AuditEventMatcher.matches(scope, event.decoded()) { found = nil }
        try await recordRead(.event, access, parameters: [("id", id)], resultCount: found == nil ? 0 : 1)
        guard let event = found else { throw AuditProblem.notFound("no event with this id") }
        return AuditRequestInput.json(event.responseJSON)
    }

    /// `GET /stats`: aggregates over the same filters; `bucket=auto|minute|hour|day` (default
    /// auto), `group_by=<field>&top=N`; `by_action` and `by_category` hold the `limit` (default
    /// 100, at most 1000) values with the most events, the rest summed up in `by_…_other`.
    @Sendable func stats(_ request: Request, context: Context) async throws -> Response {
        let access = try await authorize(.stats, request, context)
        let parameters = try AuditRequestInput.queryParameters(request)
        var statsRequest = try AuditStatsRequest(parameters: parameters)
        restrict(&statsRequest.query, to: access)
        var stats = try await store.stats(statsRequest)
        stats.capBreakdowns(to: statsRequest.query.limit)
        try await recordRead(.stats, access, parameters: parameters, resultCount: Int(stats.total))
        return AuditRequestInput.json(CanonicalJSON.encode(stats.jsonObject))
    }

    /// `GET /event-types?limit=&after=`: the catalog and a page of the actions seen so far (only
    /// in the visible actor's events when the access is narrowed), in byte order: `limit` of
    /// them (default 100, at most 1000) after the action `after`; `next_cursor` is the `after`
    /// of the next page, null on the last. Recorded as `audit.query`.
    @Sendable func eventTypes(_ request: Request, context: Context) async throws -> Response {
        let access = try await authorize(.eventTypes, request, context)
        let parameters = try AuditRequestInput.queryParameters(request)
        let (limit, after) = try Self.seenPage(parameters)
        var seen: [AuditStats.Group]
        if access.visibleActorID != nil {
            var query = AuditQuery()
            restrict(&query, to: access)
            let counts = try await store.stats(matching: query, bucket: .day).byAction
            seen = AuditStats.Group.page(of: counts, after: after, limit: limit + 1)
        } else {
            seen = try await store.seenActions(after: after, limit: limit + 1)
        }
        let more = seen.count > limit
        seen = Array(seen.prefix(limit))
        try await recordRead(.eventTypes, access, parameters: parameters, resultCount: seen.count)
        var w = AuditJSONWriter(capacity: 16 * 1024)
        w.object { o in
            o.array("known") { a in
                for entry in catalog.entries {
                    a.object { e in
                        e.string("action", entry.action)
                        e.string("category", entry.category)
                        e.string("default_severity", entry.defaultSeverity.rawValue)
                        e.string("description", entry.summary)
                    }
                }
            }
            o.array("seen") { a in
                for group in seen {
                    a.object { e in
                        e.string("action", group.value)
                        e.int("count", group.count)
                    }
                }
            }
            o.string("next_cursor", more ? seen.last?.value : nil)
        }
        return AuditRequestInput.json(w.bytes)
    }

    /// The default page of `GET /event-types`'s `seen` list.
    static var defaultSeenLimit: Int { 100 }

    /// `limit` (1…``AuditQuery/maximumLimit``, default ``defaultSeenLimit``) and `after` (an
    /// action; empty means none) of `GET /event-types`; any other parameter is a 400.
    static func seenPage(_ parameters: [(String, String)]) throws -> (limit: Int, after: String?) {
        var limit = defaultSeenLimit
        var after: String?
        var given = Set<String>()
        var errors: [AuditTrailError.FieldError] = []
        for (name, value) in parameters {
            guard name == "limit" || name == "after" else {
                errors.append(.init(field: name, message: "unknown parameter"))
                continue
            }
            guard given.insert(name).inserted else {
                errors.append(.init(field: name, message: "given more than once"))
                continue
            }
            if name == "limit" {
                guard value.utf8.count <= 4, let number = Int(value), (1...AuditQuery.maximumLimit).contains(number) else {
                    errors.append(.init(field: name, message: "must be an integer from 1 to \(AuditQuery.maximumLimit)"))
                    continue
                }
                limit = number
            } else {
                // Empty is the first page (as an empty `cursor` is).
                guard !value.exceedsLength(AuditQuery.maximumParameterLength) else {
                    errors.append(.init(field: name, message: "must be at most \(AuditQuery.maximumParameterLength) characters"))
                    continue
                }
                after = value.isEmpty ? nil : value
            }
        }
        try AuditRequestInput.throwIfAny(errors)
        return (limit, after)
    }

    /// `GET /severities`: the five levels, lowest first.
    @Sendable func severities(_ request: Request, context: Context) async throws -> Response {
        _ = try await authorize(.severities, request, context)
        var w = AuditJSONWriter()
        w.object { o in
            o.array("severities") { a in
                for severity in AuditSeverity.allCases {
                    a.object { s in
                        s.string("name", severity.rawValue)
                        s.int("level", Int64(severity.level))
                    }
                }
            }
        }
        return AuditRequestInput.json(w.bytes)
    }
}
