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
        try recordRead(.events, access, parameters: parameters, resultCount: page.events.count)
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
        if let event = found, let visible = access.visibleActorID {
            if try event.decoded().actor?.id != visible { found = nil }
        }
        try recordRead(.event, access, parameters: [("id", id)], resultCount: found == nil ? 0 : 1)
        guard let event = found else { throw AuditProblem.notFound("no event with this id") }
        return AuditRequestInput.json(event.responseJSON)
    }

    /// `GET /stats`: aggregates over the same filters; `bucket=auto|minute|hour|day` (default
    /// auto), `group_by=<field>&top=N`.
    @Sendable func stats(_ request: Request, context: Context) async throws -> Response {
        let access = try await authorize(.stats, request, context)
        let parameters = try AuditRequestInput.queryParameters(request)
        var statsRequest = try AuditStatsRequest(parameters: parameters)
        restrict(&statsRequest.query, to: access)
        let stats = try await store.stats(statsRequest)
        try recordRead(.stats, access, parameters: parameters, resultCount: Int(stats.total))
        return AuditRequestInput.json(CanonicalJSON.encode(stats.jsonObject))
    }

    /// `GET /event-types`: the catalog and the actions seen so far (only in the visible actor's
    /// events when the access is narrowed).
    @Sendable func eventTypes(_ request: Request, context: Context) async throws -> Response {
        let access = try await authorize(.eventTypes, request, context)
        _ = try AuditQuery(parameters: try AuditRequestInput.queryParameters(request), allowed: [])
        let seen: [String: Int64]
        if access.visibleActorID != nil {
            var query = AuditQuery()
            restrict(&query, to: access)
            seen = try await store.stats(matching: query, bucket: .day).byAction
        } else {
            seen = try await store.seenActions()
        }
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
                for action in seen.keys.sorted(by: CanonicalJSON.utf8Less) {
                    a.object { e in
                        e.string("action", action)
                        e.int("count", seen[action])
                    }
                }
            }
        }
        return AuditRequestInput.json(w.bytes)
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
