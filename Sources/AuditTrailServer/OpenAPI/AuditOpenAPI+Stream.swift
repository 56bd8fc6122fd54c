import AuditTrail

/// `GET /v1/stream` in the OpenAPI document.
extension AuditOpenAPI {
    static var streamPaths: [String: JSONValue] {
        [
            "/v1/stream": [
                "get": operation(
                    "stream",
                    "Live tail as Server-Sent Events (text/event-stream): the events matching the filters and q committed after the start, oldest first. Each event is `id: <seq>` and one `data:` line holding the StoredEvent JSON. The start is the Last-Event-ID header (what a reconnecting EventSource sends), else after, else the head of the log: events after it are replayed from the store first, so a reconnect misses nothing and repeats nothing. An idle stream gets a `: heartbeat` comment with `id: <position>` (resume from there). A stream ends with `event: disconnect` and data {\"reason\",\"detail\",\"last_event_id\"}: reason slow_consumer (it had caught up, then fell more than --tail-max-lag behind), shutdown, or failed. limit, cursor and order are refused (400). Recorded as audit.query when it starts (durably, before the first byte) and when it ends.",
                    roles: "admin, auditor, viewer (own subject)",
                    parameters: filterParameters + [
                        queryParameter(
                            "after",
                            "Start after this seq (events with a larger seq are sent); the Last-Event-ID header wins over it",
                            ["type": "string", "pattern": "^[0-9]{1,19}$"]
                        ),
                        headerParameter(
                            "Last-Event-ID",
                            "Resume after this seq: the id of the last event (or heartbeat) received",
                            ["type": "string", "pattern": "^[0-9]{1,19}$"]
                        ),
                    ],
                    responses: [
                        "200": [
                            "description": "The stream; it runs until the client goes, the server shuts down or the client falls too far behind",
                            "content": [
                                "text/event-stream": [
                                    "schema": ["type": "string", "description": "Server-Sent Events: id: <seq>, data: <StoredEvent JSON>"]
                                ]
                            ],
                        ]
                    ],
                    problems: ["400", "401", "403", "422", "503"]
                )
            ]
        ]
    }
}
