import AuditTrail
import HTTPTypes
import Hummingbird

extension AuditAPI {
    /// `GET /v1/events`: filters → `{"events":[…],"next_cursor":"…"|null}`. Viewers see only their
    /// subject's events. The read is recorded as an `audit.query` event.
    @Sendable func listEvents(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "read events") { $0.canRead }
        let parameters = try Self.queryParameters(request)
        var query = try AuditQuery(parameters: parameters)
        try restrict(&query, to: principal)
        let page = try await store.events(matching: query)
        try recordRead(by: principal, route: "GET /v1/events", parameters: parameters, resultCount: page.events.count)
        var w = AuditJSONWriter(capacity: 64 + page.events.reduce(0) { $0 + $1.canonical.count + 80 })
        w.object { o in
            o.array("events") { a in
                for event in page.events { a.raw(nil, event.responseJSON) }
            }
            o.string("next_cursor", page.nextCursor?.token)
        }
        return json(w.bytes)
    }

    /// `GET /v1/events/{id}`: one event, or 404 — also when a viewer asks for another subject's
    /// event, so that its existence does not leak.
    @Sendable func getEvent(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "read events") { $0.canRead }
        let raw = context.parameters.get("id") ?? ""
        guard !raw.isEmpty, raw.utf8.count <= 256 else { throw AuditProblem.notFound("no event with this id") }
        let id = AuditEventID.normalizedUUID(raw) ?? raw
        var found = try await store.event(id: id)
        if let event = found, principal.role == .viewer {
            let actor = try event.decoded().actor?.id
            if actor == nil || actor != principal.subject { found = nil }
        }
        try recordRead(by: principal, route: "GET /v1/events/{id}", parameters: [("id", id)], resultCount: found == nil ? 0 : 1)
        guard let event = found else { throw AuditProblem.notFound("no event with this id") }
        return json(event.responseJSON)
    }

    /// `GET /v1/stats`: aggregates over the same filters; `bucket=auto|minute|hour|day` (default
    /// auto), `group_by=<field>&top=N`.
    @Sendable func stats(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "read events") { $0.canRead }
        let parameters = try Self.queryParameters(request)
        var statsRequest = try AuditStatsRequest(parameters: parameters)
        try restrict(&statsRequest.query, to: principal)
        let stats = try await store.stats(statsRequest)
        try recordRead(by: principal, route: "GET /v1/stats", parameters: parameters, resultCount: Int(stats.total))
        return json(CanonicalJSON.encode(stats.jsonObject))
    }

    /// `GET /v1/event-types`: the catalog and the actions seen so far (for a viewer: seen in its
    /// subject's events only).
    @Sendable func eventTypes(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "read events") { $0.canRead }
        _ = try AuditQuery(parameters: try Self.queryParameters(request), allowed: [])
        let seen: [String: Int64]
        if principal.role == .viewer {
            var query = AuditQuery()
            try restrict(&query, to: principal)
            seen = try await store.stats(matching: query, bucket: .day).byAction
        } else {
            seen = try await store.seenActions()
        }
        var w = AuditJSONWriter(capacity: 16 * 1024)
        w.object { o in
            o.array("known") { a in
                for entry in validator.configuration.catalog.entries {
                    a.object { e in
                        e.string("action", entry.action)
                        e.string("category", entry.category)
                        e.string("default_severity", entry.defaultSeverity.rawValue)
                        e.string("description", entry.summary)
                    }
                }
            }
            o.array("seen") { a in
                for action in seen.keys.sorted(by: CanonicalJSON.utf8Less) {
                    a.object { e in
                        e.string("action", action)
                        e.int("count", seen[action])
                    }
                }
            }
        }
        return json(w.bytes)
    }

    /// `GET /v1/severities`: the five levels, lowest first.
    @Sendable func severities(_ request: Request, context: AuditRequestContext) async throws -> Response {
        _ = try require(context, "read events") { $0.canRead }
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
        return json(w.bytes)
    }

    /// Narrows a query to what the principal may see.
    func restrict(_ query: inout AuditQuery, to principal: AuditPrincipal) throws {
        guard principal.role == .viewer else { return }
        guard let subject = principal.subject, !subject.isEmpty else {
            throw AuditProblem.forbidden("this viewer key has no subject")
        }
        query.visibleActor = subject
    }

    /// Records a read of the log as an `audit.query` event: who read, which route, with which
    /// parameters, and how much came back.
    func recordRead(by principal: AuditPrincipal, route: String, parameters: [(String, String)], resultCount: Int) throws {
        try recordOwnEvent(.logRead(by: Self.actor(principal), via: route, parameters: parameters, resultCount: resultCount))
    }
}
