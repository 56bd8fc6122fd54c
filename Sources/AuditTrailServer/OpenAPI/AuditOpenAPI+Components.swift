import AuditTrail

extension AuditOpenAPI {
    static let severityNames: JSONValue = .array(AuditSeverity.allCases.map { .string($0.rawValue) })
    static let outcomeNames: JSONValue = .array(AuditOutcome.allCases.map { .string($0.rawValue) })
    static let string: JSONValue = ["type": "string"]
    static let time: JSONValue = ["type": "string", "format": "date-time"]
    static let integer: JSONValue = ["type": "integer"]
    static let strings: JSONValue = ["type": "array", "items": ["type": "string"]]
    static let base64Hash: JSONValue = ["type": "string", "contentEncoding": "base64", "description": "32-byte SHA-256 hash, standard base64"]

    /// The filters of `GET /v1/events` and `/v1/stats` (``AuditQuery/filterParameters``).
    static var filterParameters: [JSONValue] {
        [
            queryParameter("action", "Exact action, or a prefix with *: user.*", string),
            queryParameter("category", "Category", string),
            queryParameter("actor", "actor.id", string),
            queryParameter("actor_name", "actor.name", string),
            queryParameter("resource_type", "resource.type", string),
            queryParameter("resource_id", "resource.id", string),
            queryParameter("outcome", "Outcome", ["type": "string", "enum": outcomeNames]),
            queryParameter("severity", "Exact severity", ["type": "string", "enum": severityNames]),
            queryParameter("min_severity", "This severity or higher", ["type": "string", "enum": severityNames]),
            queryParameter("ip", "actor.ip: an address or a CIDR block", string),
            queryParameter("correlation_id", "request.correlation_id", string),
            queryParameter("tag", "Has this tag", string),
            queryParameter("since", "Event time at or after (RFC 3339)", time),
            queryParameter("until", "Event time before (RFC 3339)", time),
            queryParameter("hours", "Look back this many hours (not with since)", ["type": "number", "exclusiveMinimum": 0]),
            queryParameter(
                "q",
                "The search language: action:user.login actor:alice -outcome:success \"free text\". At most "
                    + "\(AuditSearchParser.maximumLength) bytes (UTF-8), \(AuditSearchParser.maximumTerms) terms and "
                    + "\(AuditSearchParser.maximumNesting) nested parentheses; past a limit, a 400 naming it",
                ["type": "string", "maxLength": .int(Int64(AuditSearchParser.maximumLength))]
            ),
        ]
    }

    /// Paging (``AuditQuery/pagingParameters``).
    static var pagingParameters: [JSONValue] {
        [
            queryParameter("limit", "Page size (default 100)", ["type": "integer", "minimum": 1, "maximum": .int(Int64(AuditQuery.maximumLimit))]),
            queryParameter("cursor", "The next_cursor of the previous page", string),
            queryParameter("order", "desc (newest first, default) or asc", ["type": "string", "enum": ["desc", "asc"]]),
        ]
    }

    /// What a capped breakdown of `GET /v1/stats` left out.
    static func omitted(_ field: String) -> JSONValue {
        [
            "type": "object", "additionalProperties": false,
            "properties": ["values": integer, "count": integer],
            "description": .string(
                "Present when \(field) was cut to the limit values with the most events: how many values, and how many events, it leaves out"
            ),
        ]
    }

    static var components: JSONValue {
        var responses: [String: JSONValue] = [:]
        let meanings: [(String, String)] = [
            ("400", "Invalid input: errors[] names each field or parameter"), ("401", "No key, or an unknown or revoked key"),
            ("403", "The key's role does not allow this"), ("404", "Not found"),
            ("409", "Conflicts with the log's state (an id another key stored; an export of an empty log)"), ("413", "Over a size limit"),
            (
                "503",
                "Overloaded, shutting down or not ready (overloaded, shutting-down, not-ready); on reads also read-not-recorded (the read's audit record could not be stored durably, so no data is sent) and query-timeout (the read ran past the server's query timeout, --query-timeout, default 10 s, and was interrupted); retry after Retry-After seconds"
            ),
        ]
        for (status, description) in meanings {
            responses["Problem\(status)"] = [
                "description": .string(description),
                "content": ["application/problem+json": ["schema": ref("Problem")]],
            ]
        }
        return [
            "securitySchemes": [
                "bearer": ["type": "http", "scheme": "bearer"],
                "apiKey": ["type": "apiKey", "in": "header", "name": "X-API-Key"],
            ],
            "responses": .object(responses),
            "schemas": .object(schemas),
        ]
    }

    static func object(_ properties: [String: JSONValue], required: [String] = [], additional: Bool = false) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { schema["required"] = .array(required.map(JSONValue.string)) }
        if !additional { schema["additionalProperties"] = false }
        return .object(schema)
    }

    static var eventProperties: [String: JSONValue] {
        [
            "id": ["type": "string", "format": "uuid", "description": "Client-chosen id: makes the send idempotent"],
            "time": [
                "type": "string", "format": "date-time",
                "description":
                    "When it happened (default: receipt). At most 24 hours after receipt and, on the server, at most --max-event-age days (default 30; off for imports) before it: else a 400 naming time",
            ],
            "action": ["type": "string", "pattern": "^[a-z0-9][a-z0-9_]*(\\.[a-z0-9][a-z0-9_]*)+$", "maxLength": 128],
            "category": string, "severity": ["type": "string", "enum": severityNames],
            "outcome": ["type": "string", "enum": outcomeNames], "description": string, "comment": string,
            "actor": object(["id": string, "name": string, "type": string, "ip": string, "user_agent": string, "session_id": string]),
            "resource": object(["type": string, "id": string, "name": string, "namespace": string]),
            "changes": object(["before": [:], "after": [:]]),
            "files": strings, "tags": strings, "compliance": strings,
            "request": object([
                "method": string, "path": string, "status": ["type": "integer", "minimum": 100, "maximum": 599],
                "duration_ms": ["type": "number", "minimum": 0], "correlation_id": string, "headers": ["type": "object"],
            ]),
            "risk_score": ["type": "integer", "minimum": 0, "maximum": 100],
            "location": object(["country": ["type": "string", "minLength": 2, "maxLength": 2], "region": string, "city": string]),
            "metadata": ["type": "object"],
        ]
    }

    static var schemas: [String: JSONValue] {
        var stored = eventProperties
        stored["seq"] = integer
        stored["received_at"] = time
        stored["ingested_by"] = [
            "type": "string",
            "description":
                "Who handed the event to the log: the ingesting API key's id, server, cli:<user> or app[:<name>]; part of the canonical bytes",
        ]
        stored["hash"] = ["type": "string", "description": "Hex SHA-256 chain hash"]
        stored["redacted"] = ["type": "array", "items": string, "description": "JSON paths replaced by [REDACTED]"]
        let counts: JSONValue = ["type": "object", "additionalProperties": integer]
        let key = object([
            "id": string, "name": string, "role": ["type": "string", "enum": ["admin", "auditor", "writer", "viewer"]],
            "subject": ["type": ["string", "null"]], "created_at": time, "revoked_at": ["type": ["string", "null"], "format": "date-time"],
        ])
        return [
            "EventInput": object(eventProperties, required: ["action"]),
            "StoredEvent": object(stored, required: ["id", "seq", "time", "received_at", "action", "category", "severity", "outcome", "hash"]),
            "IngestResult": object(
                ["id": string, "seq": integer, "hash": string, "received_at": time],
                required: ["id", "seq", "hash", "received_at"]
            ),
            "BatchResult": object(
                ["accepted": integer, "first_seq": ["type": ["integer", "null"]], "last_seq": ["type": ["integer", "null"]]],
                required: ["accepted", "first_seq", "last_seq"]
            ),
            "EventPage": object(
                ["events": ["type": "array", "items": ref("StoredEvent")], "next_cursor": ["type": ["string", "null"]]],
                required: ["events", "next_cursor"]
            ),
            "Stats": object([
                "total": integer, "failures": integer, "denied": integer, "unique_actors": integer,
                "by_action": counts, "by_outcome": counts, "by_severity": counts, "by_category": counts,
                "bucket": ["type": "string", "enum": ["minute", "hour", "day"], "description": "The bucket used"],
                "histogram": ["type": "array", "items": object(["start": time, "count": integer])],
                "group_by": ["type": "string", "description": "With group_by: the field grouped"],
                "groups": ["type": "array", "items": object(["value": string, "count": integer])],
                "group_count": ["type": "integer", "description": "The distinct values of the field among the matching events"],
                "by_action_other": omitted("by_action"), "by_category_other": omitted("by_category"),
                "histogram_truncated": [
                    "type": "boolean",
                    "description": .string(
                        "Present (true) when even by day the histogram would have more than \(AuditStats.Bucket.maxBins) bins over the data's extent: only the newest \(AuditStats.Bucket.maxBins) are given"
                    ),
                ],
            ]),
            "EventTypes": object([
                "known": [
                    "type": "array", "items": object(["action": string, "category": string, "default_severity": string, "description": string]),
                ],
                "seen": [
                    "type": "array", "items": object(["action": string, "count": integer]),
                    "description": "A page of the actions seen so far, in byte order (limit, after)",
                ],
                "next_cursor": ["type": ["string", "null"], "description": "The after of the next page; null on the last"],
            ]),
            "Severities": object(["severities": ["type": "array", "items": object(["name": string, "level": integer])]]),
            "KeyRequest": object(
                [
                    "name": string, "role": ["type": "string", "enum": ["admin", "auditor", "writer", "viewer"]],
                    "subject": ["type": "string", "description": "Required for viewer: the actor.id it may read"],
                ],
                required: ["name", "role"]
            ),
            "CreatedKey": object([
                "id": string, "key": ["type": "string", "description": "The secret, shown once"], "name": string,
                "role": string, "subject": ["type": ["string", "null"]], "created_at": time,
            ]),
            "Key": key,
            "KeyList": object(["keys": ["type": "array", "items": ref("Key")]]),
            "RetentionRequest": object(
                [
                    "days": [
                        "type": ["integer", "null"], "minimum": 0, "maximum": 36500,
                        "description": "Days events are kept, 1 to 36500; 0 or null turns retention off",
                    ]
                ],
                required: ["days"]
            ),
            "Retention": object(
                [
                    "days": ["type": ["integer", "null"], "description": "Days events are kept; null when retention is off"],
                    "removed_through_seq": ["type": "integer", "description": "Events 1 to this seq were removed (0: none)"],
                    "first_seq": ["type": "integer", "description": "The oldest seq that can remain"],
                    "last_removed_at": ["type": ["string", "null"], "format": "date-time"],
                ],
                required: ["days", "removed_through_seq", "first_seq", "last_removed_at"]
            ),
            "Checkpoint": object(
                [
                    "tree_size": integer, "root_hash": base64Hash, "time": time,
                    "signature": ["type": "string", "description": "Base64 Ed25519 signature (64 bytes) of the note's text"],
                    "key_id": ["type": "string", "description": "The key hash: 8 hex digits, as in the public key text"],
                    "key_name": string, "origin": string,
                    "note": ["type": "string", "description": "The whole signed note (C2SP tlog-checkpoint)"],
                    "public_key": [
                        "type": ["string", "null"],
                        "description":
                            "The server's verifier key (<name>+<key id>+<base64>, as `audittrail keys public` prints it) when it signed the note; null while the newest note is signed by a replaced key. Trust it only on first use: pin it, or compare it with a key obtained out of band.",
                    ],
                ],
                required: ["tree_size", "root_hash", "time", "signature", "key_id", "key_name", "origin", "note", "public_key"]
            ),
            "InclusionProof": object(
                [
                    "seq": integer, "leaf_index": integer, "tree_size": integer,
                    "leaf_hash": base64Hash, "audit_path": ["type": "array", "items": base64Hash],
                ],
                required: ["seq", "leaf_index", "tree_size", "leaf_hash", "audit_path"]
            ),
            "ConsistencyProof": object(
                ["from": integer, "to": integer, "proof": ["type": "array", "items": base64Hash]],
                required: ["from", "to", "proof"]
            ),
            "Verification": object(
                [
                    "ok": ["type": "boolean"], "checked": integer, "first_bad_seq": ["type": ["integer", "null"]],
                    "problem": ["type": ["string", "null"]],
                    "kind": [
                        "type": ["string", "null"],
                        "enum": ["edited", "missing", "inserted", "reordered", "truncated", "bad_signature", "index_mismatch", .null],
                    ],
                    "checkpoints_checked": integer, "head_seq": integer,
                    "checkpoints_covered_by_anchor": [
                        "type": "integer", "description": "Checkpoints older than the retention anchor: only their signatures were checked",
                    ],
                    "first_seq": ["type": "integer", "description": "The oldest seq walked (one past the retention anchor)"],
                    "indexes_checked_events": [
                        "type": ["integer", "null"], "description": "With indexes: the events whose derived data was checked",
                    ],
                ],
                required: [
                    "ok", "checked", "first_bad_seq", "problem", "kind", "checkpoints_checked", "head_seq",
                    "checkpoints_covered_by_anchor", "first_seq",
                ]
            ),
            "Status": ["type": "object", "properties": ["status": string]],
            "Problem": object(
                [
                    "type": ["type": "string", "format": "uri"], "title": string, "status": integer, "detail": string,
                    "errors": ["type": "array", "items": object(["field": string, "message": string], required: ["field", "message"])],
                ],
                required: ["type", "title", "status", "detail", "errors"]
            ),
        ]
    }
}
