import AuditTrail
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

extension AuditReadRoutes {
    /// `GET /stream`: the live tail, as Server-Sent Events. The events matching the filters and
    /// `q` of `GET /events` that are committed after the start, oldest first, each as
    /// `id: <seq>` and one `data:` line of the event's JSON. The start is `Last-Event-ID` (what
    /// a reconnecting `EventSource` sends), else `?after=<seq>`, else the head: events after it
    /// are replayed from the store first, so a client that reconnects misses nothing and sees
    /// nothing twice. A viewer sees only its own events.
    ///
    /// The stream is read from the store a page at a time (``AuditFollower``), woken by each
    /// commit (``AuditCommitSignal``) or every ``AuditTailOptions/poll``: it holds no queue, so
    /// a client that reads slowly costs no memory. One that falls more than
    /// ``AuditTailOptions/maxLag`` behind after it had caught up gets a final `disconnect` event
    /// and the stream ends; so does every stream when the server shuts down. Idle streams get a
    /// heartbeat comment that also carries the position (`id:`). Recorded as `audit.query` when
    /// it starts (durably, before the first byte) and, best effort, when it ends with what it sent.
    @Sendable func stream(_ request: Request, context: Context) async throws -> Response {
        let access = try await authorize(.stream, request, context)
        let parameters = try AuditRequestInput.queryParameters(request)
        var (query, after) = try Self.streamStart(parameters, lastEventID: request.headers[Self.lastEventID])
        restrict(&query, to: access)
        // Taken before the count is read, so that two tails starting at once cannot both pass.
        let subscription = commits.subscribe()
        guard commits.subscriberCount <= tail.maxStreams else {
            throw AuditProblem(
                .serviceUnavailable,
                slug: "too-many-streams",
                title: "Too many streams",
                detail: "this server already serves \(tail.maxStreams) live tails; retry shortly",
                headers: [.retryAfter: "5"]
            )
        }
        let start: Int64
        if let after { start = after } else { start = try await AuditReadBudget.within(queryTimeout) { try await store.head().seq } }
        let route = routeName(.stream)
        if let actor = access.actor {
            try await record(
                .logRead(by: actor, via: route, parameters: parameters, resultCount: 0, details: ["stage": "started", "after": .int(start)])
            )
        }
        let session = AuditTailSession(
            follower: AuditFollower(store: store, query: query, after: start, pageSize: tail.pageSize),
            subscription: subscription,
            options: tail,
            budget: queryTimeout
        )
        let recorder = recorder
        let headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8",
            .cacheControl: "no-store",
            Self.accelBuffering: "no",
        ]
        let body = ResponseBody { writer in
            var session = session
            let end = await session.run { bytes in try await writer.write(ByteBuffer(bytes: bytes)) }
            if let actor = access.actor {
                let details: [String: JSONValue] = [
                    "stage": "ended", "after": .int(start), "last_event_id": .int(session.follower.position), "reason": .string(end.rawValue),
                ]
                try? recorder?.enqueue(.logRead(by: actor, via: route, parameters: parameters, resultCount: session.sent, details: details))
            }
            if end != .clientGone { try await writer.finish(nil) }
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// `Last-Event-ID`, the header a reconnecting `EventSource` sends.
    static var lastEventID: HTTPField.Name { HTTPField.Name("Last-Event-ID")! }
    /// Tells nginx not to buffer the stream.
    static var accelBuffering: HTTPField.Name { HTTPField.Name("X-Accel-Buffering")! }

    /// The filters of `GET /events` (no paging: `limit`, `cursor` and `order` are refused) and
    /// where to start: `Last-Event-ID`, else `after` (a seq ≥ 0), else nil (the head).
    static func streamStart(_ parameters: [(String, String)], lastEventID: String?) throws -> (AuditQuery, Int64?) {
        var errors: [AuditTrailError.FieldError] = []
        var filters: [(String, String)] = []
        var after: Int64?
        func seq(_ text: String, _ field: String) -> Int64? {
            guard let value = AuditCursor.seq(decimal: text) else {
                errors.append(.init(field: field, message: "must be a seq: an integer from 0 to \(Int64.max)"))
                return nil
            }
            return value
        }
        for (name, value) in parameters {
            switch name {
            case "after":
                guard after == nil else {
                    errors.append(.init(field: name, message: "given more than once"))
                    continue
                }
                after = seq(value, name)
            case "limit", "cursor", "order":
                errors.append(
                    .init(
                        field: name,
                        message: "is not accepted by the live tail: it has no pages and runs oldest first; use after or Last-Event-ID to resume"
                    )
                )
            default:
                filters.append((name, value))
            }
        }
        // The header wins over `after`: a reconnecting EventSource sends it with the first URL.
        if let lastEventID { after = seq(lastEventID, "Last-Event-ID") }
        var query: AuditQuery?
        do {
            query = try AuditQuery(parameters: filters)
        } catch {
            errors += error.fieldErrors
        }
        try AuditRequestInput.throwIfAny(errors)
        return (query ?? AuditQuery(), after)
    }
}
