import AuditTrail

/// The OpenAPI 3.1 document `GET /openapi.json` serves: hand-built, covering exactly the routes
/// ``AuditAPI/addRoutes(to:)`` adds (a test compares the two).
enum AuditOpenAPI {
    /// The document, encoded once (sorted keys).
    static let documentBytes: [UInt8] = {
        var out: [UInt8] = []
        CanonicalJSON.write(document, into: &out)
        return out
    }()

    static var document: JSONValue {
        [
            "openapi": "3.1.0",
            "info": [
                "title": "AuditTrail",
                "version": "1",
                "description":
                    "A tamper-evident audit log. Every /v1/ route needs a key: Authorization: Bearer <key> or X-API-Key: <key>. Errors are RFC 9457 problem details (application/problem+json).",
            ],
            "security": [["bearer": []], ["apiKey": []]],
            "paths": .object(paths.merging(streamPaths) { first, _ in first }),
            "components": components,
        ]
    }

    static var paths: [String: JSONValue] {
        [
            "/v1/events": [
                "post": operation(
                    "ingestEvent",
                    "Append one event",
                    roles: "admin, writer",
                    body: requestBody(ref("EventInput"), limit: "64 KiB"),
                    responses: [
                        "201": response("Stored", ref("IngestResult")),
                        "200": response("This key stored an event with this id before; its answer, nothing new stored", ref("IngestResult")),
                    ],
                    problems: ["400", "401", "403", "409", "413", "503"]
                ),
                "get": operation(
                    "listEvents",
                    "List events, newest first by default (recorded as audit.query)",
                    roles: "admin, auditor, viewer (own subject)",
                    parameters: filterParameters + pagingParameters,
                    responses: ["200": response("One page", ref("EventPage"))],
                    problems: ["400", "401", "403", "422", "503"]
                ),
            ],
            "/v1/events/batch": [
                "post": operation(
                    "ingestBatch",
                    "Append up to 10,000 events atomically: a JSON array, or NDJSON with Content-Type: application/x-ndjson",
                    roles: "admin, writer",
                    parameters: [
                        headerParameter(
                            "Audit-Batch-Stream",
                            "With Audit-Batch-Sequence (alone, it is ignored): the producer's ordered stream (a token of its own, scoped to the key). Batches of one stream are stored in stream order even when several are in flight; a batch that comes before its predecessors waits for them (up to 2 s, then 409 stream-out-of-order with Retry-After: send it again after them).",
                            ["type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9._:-]{1,64}$"]
                        ),
                        headerParameter(
                            "Audit-Batch-Sequence",
                            "With Audit-Batch-Stream (alone, it is ignored): the number of the batch's first event in the stream (the stream's first event is 0; a server that does not know the stream accepts only 0).",
                            ["type": "string", "pattern": "^[0-9]{1,16}$", "description": "1 to 16 decimal digits"]
                        ),
                    ],
                    body: [
                        "required": true,
                        "description": "At most 10,000 events or 8 MiB. All or nothing: errors name each bad index, e.g. [3].actor.ip.",
                        "content": [
                            "application/json": ["schema": ["type": "array", "items": ref("EventInput"), "minItems": 1, "maxItems": 10000]],
                            "application/x-ndjson": ["schema": ["type": "string", "description": "One EventInput JSON object per line"]],
                        ],
                    ],
                    responses: [
                        "201": response("Stored", ref("BatchResult")),
                        "200": response("Every event was a re-send; nothing new stored", ref("BatchResult")),
                    ],
                    problems: ["400", "401", "403", "409", "413", "503"]
                )
            ],
            "/v1/events/{id}": [
                "get": operation(
                    "getEvent",
                    "One event by id (recorded as audit.query)",
                    roles: "admin, auditor, viewer (own subject; others are 404)",
                    parameters: [pathParameter("id", "The event id (a UUID)")],
                    responses: ["200": response("The event", ref("StoredEvent"))],
                    problems: ["401", "403", "422", "404", "503"]
                )
            ],
            "/v1/stats": [
                "get": operation(
                    "stats",
                    "Aggregates over the filtered events (recorded as audit.query). by_action and by_category hold the limit values with the most events (default 100, at most 1000; the rest summed in by_action_other / by_category_other); cursor and order are ignored. A since (with until, or now) spanning more than 10,000 days is a 400 naming since; over the data's own extent the histogram keeps its newest 10,000 bins (histogram_truncated)",
                    roles: "admin, auditor, viewer (own subject)",
                    parameters: filterParameters + pagingParameters + [
                        queryParameter(
                            "bucket",
                            "Histogram bin width; auto (default) picks minute up to 12 h, hour up to 30 days, else day. A bucket giving more than 10,000 bins over the range is coarsened; the answer's bucket says which was used",
                            ["type": "string", "enum": ["auto", "minute", "hour", "day"]]
                        ),
                        queryParameter(
                            "group_by",
                            "Also count the events per value of this field (the answer's groups, most events first)",
                            ["type": "string", "enum": .array(AuditStats.GroupField.allCases.map { .string($0.rawValue) })]
                        ),
                        queryParameter(
                            "top",
                            "With group_by: how many values to list (default 10); ignored without group_by",
                            ["type": "integer", "minimum": 1, "maximum": .int(Int64(AuditStatsRequest.maxTop))]
                        ),
                    ],
                    responses: ["200": response("Aggregates", ref("Stats"))],
                    problems: ["400", "401", "403", "422", "503"]
                )
            ],
            "/v1/export": [
                "get": operation(
                    "export",
                    "Stream a verifiable export (AuditTrail export v1, JSON Lines), oldest first, up to a signed checkpoint made now if the head is past the latest one (recorded as audit.export). Line 1 is the header {\"audittrail_export\":{…}} with the signed checkpoint note; then one StoredEvent per line; with any filter each event is followed by {\"inclusion_proof\":{\"seq\",\"tree_size\",\"hashes\"}}; the last line is {\"audittrail_export_end\":{\"events\",\"last_seq\"}}. Hashes are lower-case hex. Without a filter the export is contiguous and carries chain_start and the Merkle frontier to rebuild the signed root. Verify offline with audittrail verify --export FILE --public-key KEY. Other formats (for SIEMs and spreadsheets) hold the same events up to the same checkpoint without header, proofs or trailer: json (one array of StoredEvent), csv (RFC 4180, a fixed documented column set, CRLF), cef (ArcSight CEF, one line per event), ocsf (OCSF 1.3.0 objects, one per line), syslog (RFC 5424 messages with an audittrail@32473 structured-data element, one per line). limit, cursor and order are refused (400).",
                    roles: "admin, auditor",
                    parameters: filterParameters + [
                        queryParameter(
                            "format",
                            "The export format: jsonl (default, verifiable), json, csv, cef, ocsf or syslog",
                            ["type": "string", "enum": .array(AuditExportEncoding.allCases.map { .string($0.rawValue) })]
                        ),
                        queryParameter(
                            "after",
                            "An incremental export: only the events after this seq (the header's range says which; 409 when none is signed yet)",
                            ["type": "string", "pattern": "^[0-9]{1,19}$"]
                        ),
                    ],
                    responses: [
                        "200": [
                            "description": "The export, streamed",
                            "content": [
                                "application/x-ndjson": [
                                    "schema": [
                                        "type": "string", "description": "format=jsonl: AuditTrail export v1; format=ocsf: one OCSF object per line",
                                    ]
                                ],
                                "application/json": ["schema": ["type": "array", "items": ref("StoredEvent")]],
                                "text/csv": ["schema": ["type": "string", "description": "format=csv"]],
                                "text/plain": ["schema": ["type": "string", "description": "format=cef or format=syslog: one record per line"]],
                            ],
                        ]
                    ],
                    problems: ["400", "401", "403", "409", "503"]
                )
            ],
            "/v1/event-types": [
                "get": operation(
                    "eventTypes",
                    "Known actions with category and default severity, and a page of the actions seen so far in byte order (recorded as audit.query)",
                    roles: "admin, auditor, viewer",
                    parameters: [
                        queryParameter(
                            "limit",
                            "How many seen actions (default 100)",
                            ["type": "integer", "minimum": 1, "maximum": .int(Int64(AuditQuery.maximumLimit))]
                        ),
                        queryParameter(
                            "after",
                            "Only actions after this one in byte order (the next_cursor of the previous page; empty: from the first)",
                            ["type": "string", "maxLength": .int(Int64(AuditQuery.maximumParameterLength))]
                        ),
                    ],
                    responses: ["200": response("Event types", ref("EventTypes"))],
                    problems: ["400", "401", "403", "422", "503"]
                )
            ],
            "/v1/severities": [
                "get": operation(
                    "severities",
                    "The five severity levels, lowest first",
                    roles: "admin, auditor, viewer",
                    responses: ["200": response("Levels", ref("Severities"))],
                    problems: ["401", "403"]
                )
            ],
            "/v1/me": [
                "get": operation(
                    "me",
                    "The calling key's own public record: id, name, role and (viewers) subject",
                    roles: "any key",
                    responses: [
                        "200": response(
                            "The key",
                            object(
                                [
                                    "id": ["type": "string"], "name": ["type": "string"],
                                    "role": ["enum": ["admin", "auditor", "writer", "viewer"]], "subject": ["type": ["string", "null"]],
                                ],
                                required: ["id", "name", "role", "subject"]
                            )
                        )
                    ],
                    problems: ["400", "401"]
                )
            ],
            "/v1/keys": [
                "post": operation(
                    "createKey",
                    "Create an API key; the secret is shown in this response only",
                    roles: "admin",
                    body: requestBody(ref("KeyRequest"), limit: "16 KiB"),
                    responses: ["201": response("Created", ref("CreatedKey"))],
                    problems: ["400", "401", "403", "413"]
                ),
                "get": operation(
                    "listKeys",
                    "Every key's public record (never a secret)",
                    roles: "admin",
                    responses: ["200": response("Keys", ref("KeyList"))],
                    problems: ["400", "401", "403"]
                ),
            ],
            "/v1/keys/{id}": [
                "delete": operation(
                    "revokeKey",
                    "Revoke a key at once",
                    roles: "admin",
                    parameters: [pathParameter("id", "The key id")],
                    responses: ["204": ["description": "Revoked"]],
                    problems: ["401", "403", "404"]
                )
            ],
            "/v1/checkpoints/latest": [
                "get": operation(
                    "latestCheckpoint",
                    "The newest signed tree head (C2SP tlog-checkpoint note; hashes are base64)",
                    roles: "admin, auditor, viewer",
                    responses: ["200": response("The checkpoint", ref("Checkpoint"))],
                    problems: ["400", "401", "403", "422", "404"]
                )
            ],
            "/v1/proofs/inclusion": [
                "get": operation(
                    "inclusionProof",
                    "RFC 6962 audit path of one event (leaf seq - 1) in the tree of tree_size events",
                    roles: "admin, auditor, viewer",
                    parameters: [
                        requiredQueryParameter("seq", "The event's seq, 1 to tree_size (past it: 404)", seqSchema),
                        requiredQueryParameter(
                            "tree_size",
                            "The tree size, at most the log's size (use a checkpoint's; past it: 404)",
                            seqSchema
                        ),
                    ],
                    responses: ["200": response("The proof", ref("InclusionProof"))],
                    problems: ["400", "401", "403", "422", "404"]
                )
            ],
            "/v1/proofs/consistency": [
                "get": operation(
                    "consistencyProof",
                    "RFC 6962 consistency proof that the tree of from events is a prefix of the tree of to events",
                    roles: "admin, auditor, viewer",
                    parameters: [
                        requiredQueryParameter("from", "The older tree size, 1 to to (past to: 404)", seqSchema),
                        requiredQueryParameter("to", "The newer tree size, at most the log's size (past it: 404)", seqSchema),
                    ],
                    responses: ["200": response("The proof", ref("ConsistencyProof"))],
                    problems: ["400", "401", "403", "422", "404"]
                )
            ],
            "/v1/verify": [
                "post": operation(
                    "verify",
                    "Re-hash the stored chain and Merkle tree and check every checkpoint's root and signature; with {\"indexes\":true} also check everything derived from the canonical bytes (search index, rollups, rows' copies of their fields, action counts) (recorded as audit.verify)",
                    roles: "admin, auditor",
                    body: [
                        "required": false, "description": "Empty, {} or {\"indexes\": true}.",
                        "content": ["application/json": ["schema": object(["indexes": ["type": "boolean"]])]],
                    ],
                    responses: ["200": response("The result; ok is false when the log does not verify", ref("Verification"))],
                    problems: ["400", "401", "403", "413"]
                )
            ],
            "/v1/retention": [
                "get": operation(
                    "getRetention",
                    "The retention window and what it removed so far",
                    roles: "admin",
                    responses: ["200": response("The window", ref("Retention"))],
                    problems: ["400", "401", "403"]
                ),
                "put": operation(
                    "putRetention",
                    "Set the retention window (stored; recorded as audit.retention.changed). Older events are removed in the background; their anchor keeps what remains verifiable",
                    roles: "admin",
                    body: requestBody(ref("RetentionRequest"), limit: "16 KiB"),
                    responses: ["200": response("The window now in force", ref("Retention"))],
                    problems: ["400", "401", "403", "413"]
                ),
            ],
            "/": [
                "get": operation(
                    "home",
                    "The web explorer (HTML; it asks for a key and uses the /v1/ routes), or the product, its version and links (/openapi.json, /healthz, /readyz, the README's walk-through) as JSON for Accept: application/json",
                    roles: nil,
                    responses: [
                        "200": [
                            "description": "The start page",
                            "content": [
                                "text/html": ["schema": ["type": "string"]],
                                "application/json": [
                                    "schema": [
                                        "type": "object",
                                        "required": ["name", "version", "links"],
                                        "properties": [
                                            "name": ["type": "string"], "version": ["type": "string"], "description": ["type": "string"],
                                            "links": ["type": "object", "additionalProperties": ["type": "string"]],
                                        ],
                                    ]
                                ],
                            ],
                        ]
                    ],
                    problems: []
                )
            ],
            "/assets/{name}": [
                "get": operation(
                    "explorerAsset",
                    "One of the web explorer's files by its content-hashed name (as the page links it), cached for a year",
                    roles: nil,
                    parameters: [pathParameter("name", "The file's hashed name, e.g. explorer.0123456789abcdef.js")],
                    responses: [
                        "200": [
                            "description": "The file",
                            "content": ["text/javascript": ["schema": ["type": "string"]], "text/css": ["schema": ["type": "string"]]],
                        ]
                    ],
                    problems: ["404"]
                )
            ],
            "/healthz": [
                "get": operation(
                    "healthz",
                    "Liveness",
                    roles: nil,
                    responses: ["200": response("Alive", ref("Status"))],
                    problems: []
                )
            ],
            "/readyz": [
                "get": operation(
                    "readyz",
                    "Readiness: the store answers. The body is only {\"status\":\"ready\"}; the head seq and the queue depth are in /metrics, which needs a key.",
                    roles: nil,
                    responses: ["200": response("Ready", ref("Status"))],
                    problems: ["503"]
                )
            ],
            "/metrics": [
                "get": operation(
                    "metrics",
                    "Prometheus text format. Needs the metrics key (AUDITTRAIL_METRICS_KEY or --metrics-key-file: it reads /metrics and nothing else) or an admin key; AUDITTRAIL_METRICS_PUBLIC=true serves it without a key. The peer's address grants nothing.",
                    roles: "admin, or the metrics key",
                    responses: ["200": ["description": "Metrics", "content": ["text/plain": ["schema": ["type": "string"]]]]],
                    problems: ["401", "403"]
                )
            ],
            "/openapi.json": [
                "get": operation(
                    "openapi",
                    "This document",
                    roles: nil,
                    responses: ["200": response("OpenAPI 3.1", ["type": "object"])],
                    problems: []
                )
            ],
        ]
    }
}
