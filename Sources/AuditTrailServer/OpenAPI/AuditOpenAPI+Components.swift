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
        let value: (String?) -> JSONValue = { pattern in
            var schema: [String: JSONValue] = ["type": "string", "minLength": 1, "maxLength": .int(Int64(AuditQuery.maximumParameterLength))]
            if let pattern { schema["pattern"] = .string(pattern) }
            return .object(schema)
        }
        let octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
        let ipv4CIDR = "^(\(octet)\\.){3}\(octet)/(3[0-2]|[12]?[0-9])$"
        return [
            queryParameter(
                "action",
                "Exact action, or a prefix with *: user.*",
                value("^([a-z0-9][a-z0-9_]*(\\.[a-z0-9][a-z0-9_]*)*(\\.?\\*)?|\\.?\\*)$")
            ),
            queryParameter("category", "Category", value(nil)),
            queryParameter("actor", "actor.id", value(nil)),
            queryParameter("actor_name", "actor.name", value(nil)),
            queryParameter("resource_type", "resource.type", value(nil)),
            queryParameter("resource_id", "resource.id", value(nil)),
            queryParameter("outcome", "Outcome", ["type": "string", "enum": outcomeNames]),
            queryParameter("severity", "Exact severity (with min_severity, both apply)", ["type": "string", "enum": severityNames]),
            queryParameter("min_severity", "This severity or higher (with severity, both apply)", ["type": "string", "enum": severityNames]),
            queryParameter(
                "ip",
                "actor.ip: an address or a CIDR block (10.0.0.0/8, 2001:db8::/32)",
                [
                    "anyOf": [
                        ["type": "string", "format": "ipv4"], ["type": "string", "format": "ipv6"], ["type": "string", "pattern": .string(ipv4CIDR)],
                    ]
                ]
            ),
            queryParameter("correlation_id", "request.correlation_id", value(nil)),
            queryParameter("tag", "Has this tag", value(nil)),
            queryParameter("since", "Event time at or after (RFC 3339; before 1970 counts as 1970); with hours, the later start wins", time),
            queryParameter("until", "Event time before (RFC 3339; before 1970 counts as 1970); at or before since, nothing matches", time),
            queryParameter(
                "hours",
                "Look back this many hours (with since, the later start wins)",
                ["type": "number", "exclusiveMinimum": 0, "maximum": .int(Int64(AuditQuery.maximumHours))]
            ),
            queryParameter(
                "q",
                "The search language: action:user.login actor:alice -outcome:success \"free text\". At most "
                    + "\(AuditSearchParser.maximumLength) characters, \(AuditSearchParser.maximumTerms) terms and "
                    + "\(AuditSearchParser.maximumNesting) nested parentheses; words are runs of letters and digits of at most "
                    + "\(AuditTokenizer.maximumWordBytes) bytes; a term without such a word, an unknown field or a broken "
                    + "expression is a 400 naming the column",
                ["type": "string", "minLength": 1, "maxLength": .int(Int64(AuditSearchParser.maximumLength))]
            ),
        ]
    }

    /// Paging (``AuditQuery/pagingParameters``).
    static var pagingParameters: [JSONValue] {
        [
            queryParameter("limit", "Page size (default 100)", ["type": "integer", "minimum": 1, "maximum": .int(Int64(AuditQuery.maximumLimit))]),
            queryParameter(
                "cursor",
                "The next_cursor of the previous page (empty: the first page)",
                ["type": "string", "pattern": .string(AuditCursor.pattern)]
            ),
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
                "422",
                "query-timeout: the read ran past the server's query timeout (--query-timeout, default 10 s) and was interrupted; narrow the filters or the time range, or retry after Retry-After seconds"
            ),
            (
                "503",
                "Overloaded, shutting down, not ready, disk full or the database away (overloaded, shutting-down, not-ready, store-full, store-unavailable); on reads also read-not-recorded (the read's audit record could not be stored durably, so no data is sent); retry after Retry-After seconds"
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

    /// A string of at most `maxLength` characters: Unicode code points, as both JSON Schema and
    /// the server count them (``Swift/StringProtocol/exceedsLength(_:)``).
    static func text(_ maxLength: Int, nonEmpty: Bool = false, pattern: String? = nil, _ description: String? = nil) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "string", "maxLength": .int(Int64(maxLength))]
        if nonEmpty { schema["minLength"] = 1 }
        if let pattern { schema["pattern"] = .string(pattern) }
        let rule = "At most \(maxLength) characters (Unicode code points)" + (nonEmpty ? ", not empty" : "")
        schema["description"] = .string(description.map { "\($0). \(rule)" } ?? rule)
        return .object(schema)
    }

    /// `schema`, or `null`: an optional field the reader treats as absent when it is null.
    static func nullable(_ schema: JSONValue) -> JSONValue {
        guard case .object(var object) = schema else { return schema }
        switch object["type"] {
        case .string(let type)? where type != "object": object["type"] = [.string(type), "null"]
        default: return ["anyOf": [schema, ["type": "null"]]]
        }
        if case .array(let values)? = object["enum"] { object["enum"] = .array(values + [.null]) }
        return .object(object)
    }

    /// An optional object of the event: its members are optional and may be null.
    static func optionalObject(_ properties: [String: JSONValue]) -> JSONValue {
        nullable(object(properties.mapValues(nullable)))
    }

    /// An IPv4 or IPv6 address (`actor.ip`).
    static let ipAddress: JSONValue = ["anyOf": [["type": "string", "format": "ipv4"], ["type": "string", "format": "ipv6"]]]

    /// The input event with every rule ``AuditEventValidator`` enforces that JSON Schema can state.
    /// What it cannot state is in the descriptions: string limits count Unicode code points, the whole
    /// event is at most `maxEventBytes` encoded, `time` lies within the configured skew of the
    /// time the server receives it, and JSON values in metadata, changes and headers are
    /// limited in depth, members and string size.
    static var eventProperties: [String: JSONValue] {
        let limits = AuditEventValidator.Configuration()
        let long = limits.maxStringLength
        let list: (Int) -> JSONValue = { itemLength in
            ["type": ["array", "null"], "maxItems": .int(Int64(limits.maxListCount)), "items": text(itemLength, nonEmpty: true)]
        }
        let anyJSON: JSONValue = [
            "description": .string(
                "Any JSON value: strings and keys at most \(long) characters, objects at most \(limits.jsonLimits.maxObjectMembers) members, arrays at most \(limits.jsonLimits.maxArrayElements) elements"
            )
        ]
        let jsonObject: JSONValue = [
            "type": ["object", "null"], "maxProperties": .int(Int64(limits.jsonLimits.maxObjectMembers)),
            "description": .string("A JSON object: strings and keys at most \(long) characters"),
        ]
        return [
            "id": nullable(["type": "string", "format": "uuid", "description": "Client-chosen id: makes a re-send by the same key idempotent"]),
            "time": nullable([
                "type": "string", "format": "date-time",
                "description": .string(
                    "When it happened (default: when the server received it). At most \(limits.maxFutureSkewMilliseconds / 3_600_000) hours after the server's clock and, on the server, at most --max-event-age days (default 30; off for imports) before it: else a 400 naming time"
                ),
            ]),
            "action": [
                "type": "string", "pattern": "^[a-z0-9][a-z0-9_]*(\\.[a-z0-9][a-z0-9_]*)+$", "maxLength": 128,
                "not": ["anyOf": [["pattern": "^audit\\."], ["const": "security.alert"]]],
                "description": "Dotted lower case, <category>.<verb>[.<qualifier>]; audit.* and security.alert are the log's own and refused",
            ],
            "category": nullable(["type": "string", "pattern": "^[a-z0-9][a-z0-9_]*$", "maxLength": 64]),
            "severity": nullable(["type": "string", "enum": severityNames]),
            "outcome": nullable(["type": "string", "enum": outcomeNames]),
            "description": nullable(text(long)), "comment": nullable(text(long)),
            "actor": optionalObject([
                "id": text(256, nonEmpty: true), "name": text(256), "type": text(64), "ip": ipAddress,
                "user_agent": text(long), "session_id": text(256),
            ]),
            "resource": optionalObject([
                "type": text(128, nonEmpty: true), "id": text(256, nonEmpty: true), "name": text(long), "namespace": text(256),
            ]),
            "changes": optionalObject(["before": anyJSON, "after": anyJSON]),
            "files": list(long), "tags": list(128), "compliance": list(128),
            "request": optionalObject([
                "method": ["type": "string", "pattern": "^[A-Za-z-]{1,16}$", "description": "An HTTP method token such as GET"],
                "path": text(long, nonEmpty: true), "status": ["type": "integer", "minimum": 100, "maximum": 599],
                "duration_ms": ["type": "number", "minimum": 0, "maximum": 86_400_000], "correlation_id": text(256, nonEmpty: true),
                "headers": jsonObject,
            ]),
            "risk_score": nullable(["type": "integer", "minimum": 0, "maximum": 100]),
            "location": optionalObject([
                "country": ["type": "string", "pattern": "^[A-Za-z]{2}$", "description": "ISO 3166-1 alpha-2, such as DE"],
                "region": text(256), "city": text(256),
            ]),
            "metadata": jsonObject,
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
        // The log's own records (audit.*) are stored events too.
        stored["action"] = ["type": "string", "pattern": "^[a-z0-9][a-z0-9_]*(\\.[a-z0-9][a-z0-9_]*)+$", "maxLength": 128]
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
            "KeyRequest": [
                "type": "object", "additionalProperties": false, "required": ["name", "role"],
                "properties": [
                    "name": text(128, nonEmpty: true), "role": ["type": "string", "enum": ["admin", "auditor", "writer", "viewer"]],
                    "subject": nullable(text(256, nonEmpty: true, "Required for viewer, and only for viewer: the actor.id it may read")),
                ],
                "if": ["properties": ["role": ["const": "viewer"]]],
                "then": ["required": ["subject"], "properties": ["subject": ["type": "string"]]],
                "else": ["properties": ["subject": ["type": "null"]]],
            ],
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
                        "description":
                            "Days events are kept, 1 to 36500; 0 or null turns retention off (an integral number such as 30.0 counts as an integer, as in JSON Schema)",
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
