import AuditTrail

/// `GET /v1/stream` and `/v1/streams` in the OpenAPI document.
extension AuditOpenAPI {
    static var streamPaths: [String: JSONValue] {
        tailPaths.merging(streamsPaths) { first, _ in first }.merging(alertPaths) { first, _ in first }
    }

    static var tailPaths: [String: JSONValue] {
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

extension AuditOpenAPI {
    static var streamsPaths: [String: JSONValue] {
        [
            "/v1/streams": [
                "post": operation(
                    "createStream",
                    "Create a stream: the events matching filters, in a format, pushed in batches to a webhook (signed POSTs), syslog (RFC 5425 over TCP or TLS) or a directory of files; at least once, in seq order, from a position kept in the store, with backfill. Each jsonl batch is an AuditTrail export v1 batch (its seq range, the chain hash before it, a signed checkpoint) that `audittrail verify --stream-batch` checks. Recorded as audit.stream.created. At most 64 streams (409 beyond).",
                    roles: "admin",
                    body: requestBody(streamRequestSchema, limit: "16 KiB"),
                    responses: ["201": response("The stream, its status and (webhook only, this once) its secret", streamSchema(withSecret: true))],
                    problems: ["400", "401", "403", "409", "413"]
                ),
                "get": operation(
                    "listStreams",
                    "Every stream with its status: state (caught_up, behind, failing), delivered and scanned seqs, lag in events, counts, the last failure",
                    roles: "admin",
                    responses: [
                        "200": response(
                            "The streams, oldest first",
                            object(["streams": ["type": "array", "items": streamSchema(withSecret: false)]], required: ["streams"])
                        )
                    ],
                    problems: ["400", "401", "403"]
                ),
            ],
            "/v1/streams/{id}": [
                "delete": operation(
                    "deleteStream",
                    "Delete a stream: it stops on every server (recorded as audit.stream.deleted)",
                    roles: "admin",
                    parameters: [pathParameter("id", "The stream id")],
                    responses: ["204": ["description": "Deleted"]],
                    problems: ["401", "403", "404"]
                )
            ],
        ]
    }

    static var streamRequestSchema: JSONValue {
        let text: (Int) -> JSONValue = { ["type": "string", "minLength": 1, "maxLength": .int(Int64($0)), "pattern": #"^[^\x00-\x1f\x7f]+$"#] }
        let webhook = object(
            [
                "type": ["const": "webhook"], "url": webhookURLSchema, "secret": secretSchema,
                "timeout_seconds": ["type": "integer", "minimum": 1, "maximum": 120],
            ],
            required: ["type", "url"]
        )
        let syslog = object(
            [
                "type": ["const": "syslog"], "host": ["type": "string", "minLength": 1, "maxLength": 253, "pattern": "^[A-Za-z0-9.:_-]+$"],
                "port": ["type": "integer", "minimum": 1, "maximum": 65535],
                "transport": ["enum": ["tcp", "tls"]],
            ],
            required: ["type", "host"]
        )
        let files = object(
            [
                "type": ["const": "files"],
                "directory": [
                    "type": "string", "minLength": 1, "maxLength": 255,
                    "pattern": #"^(?!\.\.?(/|$))(?!.*/\.\.?(/|$))[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$"#,
                ], "keep": ["type": "integer", "minimum": 0, "maximum": 1_000_000],
            ],
            required: ["type", "directory"]
        )
        guard
            case .object(var schema) = object(
                [
                    "name": text(128),
                    "filters": filtersSchema,
                    "format": ["enum": .array(AuditExportEncoding.allCases.map { .string($0.rawValue) })],
                    "destination": ["oneOf": [webhook, syslog, files]],
                    "batch_events": ["type": "integer", "minimum": 1, "maximum": 10000],
                    "linger_ms": ["type": "integer", "minimum": 0, "maximum": 60000],
                    "start": ["enum": ["beginning", "now"]],
                ],
                required: ["name", "destination"]
            )
        else { return [:] }
        // Syslog carries one record per line.
        schema["if"] = [
            "properties": ["destination": ["properties": ["type": ["const": "syslog"]], "required": ["type"]]], "required": ["destination"],
        ]
        schema["then"] = ["properties": ["format": ["enum": ["jsonl", "ocsf", "cef", "syslog"]]]]
        return .object(schema)
    }

    /// A webhook's HMAC secret.
    static let secretSchema: JSONValue = ["type": "string", "minLength": 16, "maxLength": 256, "pattern": #"^[^\x00-\x1f\x7f]+$"#]

    /// `https://` with a host (no user info, fragment or spaces), or `http://` to a loopback host.
    static let webhookURLSchema: JSONValue = [
        "type": "string", "minLength": 9, "maxLength": 2048,
        "pattern":
            #"^(https://[^\s/?#@:\x00-\x1f\x7f][^\s/?#@\x00-\x1f\x7f]*|http://(127\.[0-9.]+|localhost|\[::1\])(:[0-9]{1,5})?)([/?][^\s#\x00-\x1f\x7f]*)?$"#,
    ]

    /// The filters of `GET /v1/export`, each with its query parameter's schema.
    static var filtersSchema: JSONValue {
        var properties: [String: JSONValue] = [:]
        for parameter in filterParameters {
            // Each as its query parameter: a string, but `hours`, a number.
            if let name = parameter["name"]?.stringValue, let schema = parameter["schema"] { properties[name] = schema }
        }
        return [
            "type": "object", "properties": .object(properties), "additionalProperties": false,
            "description": "The filters of GET /v1/export (action, actor, q, since, …), by name",
        ]
    }

    static func streamSchema(withSecret: Bool) -> JSONValue {
        var properties: [String: JSONValue] = [
            "id": ["type": "string"], "name": ["type": "string"], "filters": ["type": "object", "additionalProperties": ["type": "string"]],
            "format": ["type": "string"], "destination": ["type": "object"], "batch_events": ["type": "integer"],
            "linger_ms": ["type": "integer"], "start_after": ["type": "integer"], "created_at": ["type": "string"],
            "created_by": ["type": "string"],
            "status": object(
                [
                    "state": ["enum": ["caught_up", "behind", "failing"]], "delivered_through": ["type": "integer"],
                    "scanned_through": ["type": "integer"], "lag_events": ["type": "integer"], "batches": ["type": "integer"],
                    "events": ["type": "integer"], "delivered_at": ["type": ["string", "null"]], "failing_since": ["type": ["string", "null"]],
                    "failures": ["type": "integer"], "last_error": ["type": ["string", "null"]], "alerted": ["type": "boolean"],
                ],
                required: ["state", "delivered_through", "lag_events"]
            ),
        ]
        if withSecret { properties["secret"] = ["type": "string"] }
        return object(properties, required: ["id", "name", "format", "destination", "status"])
    }
}
