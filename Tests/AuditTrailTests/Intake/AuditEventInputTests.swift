import AuditTrail
import Testing

/// A fully populated input event, as a producer would send it.
let fullEventJSON = #"""
    {
      "id": "0193F7E2-6C1A-7B0E-9D3C-2A1B4C5D6E7F",
      "time": "2026-11-22T07:59:58.500Z",
      "action": "user.login",
      "category": "authentication",
      "severity": "warning",
      "outcome": "failure",
      "description": "Alice signed in",
      "actor": {"id": "u-123", "name": "alice", "type": "user", "ip": "203.0.113.9",
                "user_agent": "curl/8.0", "session_id": "s-1"},
      "resource": {"type": "document", "id": "42", "name": "Q3 report", "namespace": "acme"},
      "changes": {"before": {"role": "user"}, "after": {"role": "admin", "level": 2.5}},
      "files": ["config.yaml", "b.txt"],
      "comment": "promotion approved by HR",
      "request": {"method": "post", "path": "/api/users", "status": 201, "duration_ms": 12.3,
                  "correlation_id": "c-9", "headers": {"accept": "application/json"}},
      "risk_score": 40,
      "location": {"country": "de", "region": "BE", "city": "Berlin"},
      "tags": ["billing"],
      "compliance": ["SOC2", "GDPR"],
      "metadata": {"any": "json", "n": [1, true, null]}
    }
    """#

@Suite("AuditEventInput(json:)")
struct AuditEventInputTests {
    @Test("reads every field of a fully populated event")
    func readsEveryField() throws {
        let input = try AuditEventInput(json: JSONParser.parse(fullEventJSON))
        #expect(input.id == "0193F7E2-6C1A-7B0E-9D3C-2A1B4C5D6E7F")
        #expect(input.time == AuditTime(milliseconds: 1_795_334_398_500))
        #expect(input.action == "user.login")
        #expect(input.category == "authentication")
        #expect(input.severity == .warning)
        #expect(input.outcome == .failure)
        #expect(input.description == "Alice signed in")
        #expect(input.actor == .init(id: "u-123", name: "alice", type: "user", ip: "203.0.113.9", userAgent: "curl/8.0", sessionID: "s-1"))
        #expect(input.resource == .init(type: "document", id: "42", name: "Q3 report", namespace: "acme"))
        #expect(input.changes == .init(before: ["role": "user"], after: ["role": "admin", "level": 2.5]))
        #expect(input.files == ["config.yaml", "b.txt"])
        #expect(input.comment == "promotion approved by HR")
        #expect(
            input.request
                == .init(
                    method: "post",
                    path: "/api/users",
                    status: 201,
                    durationMS: 12.3,
                    correlationID: "c-9",
                    headers: ["accept": "application/json"]
                )
        )
        #expect(input.riskScore == 40)
        #expect(input.location == .init(country: "de", region: "BE", city: "Berlin"))
        #expect(input.tags == ["billing"])
        #expect(input.compliance == ["SOC2", "GDPR"])
        #expect(input.metadata == ["any": "json", "n": [1, true, nil]])
    }

    @Test("only action is required; null means absent")
    func minimalAndNulls() throws {
        let minimal = try AuditEventInput(json: ["action": "user.login"])
        #expect(minimal == AuditEventInput(action: "user.login"))
        let nulls = try AuditEventInput(json: [
            "action": "user.login", "id": nil, "time": nil, "actor": nil, "files": nil, "metadata": nil, "risk_score": nil,
        ])
        #expect(nulls == AuditEventInput(action: "user.login"))
    }

    @Test(
        "JSON type errors name the field",
        arguments: [
            (#"{"action": 5}"#, ["action"]),
            (#"{}"#, ["action"]),
            (#"{"action": "a.b", "id": 7}"#, ["id"]),
            (#"{"action": "a.b", "time": "yesterday"}"#, ["time"]),
            (#"{"action": "a.b", "time": 1700000000}"#, ["time"]),
            (#"{"action": "a.b", "severity": "fatal"}"#, ["severity"]),
            (#"{"action": "a.b", "severity": "INFO"}"#, ["severity"]),
            (#"{"action": "a.b", "outcome": "ok"}"#, ["outcome"]),
            (#"{"action": "a.b", "actor": "alice"}"#, ["actor"]),
            (#"{"action": "a.b", "actor": {"id": 1}}"#, ["actor.id"]),
            (#"{"action": "a.b", "resource": []}"#, ["resource"]),
            (#"{"action": "a.b", "changes": 1}"#, ["changes"]),
            (#"{"action": "a.b", "files": "a"}"#, ["files"]),
            (#"{"action": "a.b", "files": ["a", 1, null]}"#, ["files[1]", "files[2]"]),
            (#"{"action": "a.b", "request": {"status": "200"}}"#, ["request.status"]),
            (#"{"action": "a.b", "request": {"status": 200.5}}"#, ["request.status"]),
            (#"{"action": "a.b", "request": {"duration_ms": "3"}}"#, ["request.duration_ms"]),
            (#"{"action": "a.b", "request": {"headers": ["x"]}}"#, ["request.headers"]),
            (#"{"action": "a.b", "risk_score": 4.5}"#, ["risk_score"]),
            (#"{"action": "a.b", "risk_score": true}"#, ["risk_score"]),
            (#"{"action": "a.b", "location": {"country": 49}}"#, ["location.country"]),
            (#"{"action": "a.b", "tags": [["x"]]}"#, ["tags[0]"]),
            (#"{"action": "a.b", "compliance": {}}"#, ["compliance"]),
            (#"{"action": "a.b", "metadata": [1]}"#, ["metadata"]),
            (#"{"action": "a.b", "metadata": "text"}"#, ["metadata"]),
        ]
    )
    func typeErrorsNameTheField(text: String, fields: [String]) throws {
        let json = try JSONParser.parse(text)
        #expect(fieldNames { () throws(AuditTrailError) in try AuditEventInput(json: json) } == fields)
    }

    @Test("a body that is not an object is rejected as the body or the batch index")
    func nonObjectBody() {
        #expect(fieldNames { () throws(AuditTrailError) in try AuditEventInput(json: ["action"]) } == ["body"])
        #expect(fieldNames { () throws(AuditTrailError) in try AuditEventInput(json: "x", fieldPrefix: "[3].") } == ["[3]"])
    }

    @Test("unknown fields are rejected at the top level and in every nested object")
    func rejectsUnknownFields() throws {
        let json = try JSONParser.parse(
            #"""
            {"action": "a.b", "actions": 1, "actor": {"id": "x", "email": "e"}, "resource": {"owner": "o"},
             "changes": {"diff": 1}, "request": {"query": "q"}, "location": {"lat": 1}}
            """#
        )
        let fields = fieldNames { () throws(AuditTrailError) in try AuditEventInput(json: json) }
        #expect(Set(fields ?? []) == ["actions", "actor.email", "resource.owner", "changes.diff", "request.query", "location.lat"])
    }

    @Test("fields set by the log are rejected", arguments: ["seq", "hash", "received_at", "redacted"])
    func rejectsStoredFields(field: String) {
        let json: JSONValue = .object(["action": "a.b", field: "1"])
        let error = caughtError { () throws(AuditTrailError) in try AuditEventInput(json: json) }
        #expect(error?.fieldErrors == [.init(field: field, message: "is set by the log, not by the producer")])
    }

    @Test("fieldPrefix prefixes every field name")
    func prefixesFieldNames() throws {
        let json = try JSONParser.parse(#"{"action": 1, "actor": {"ip": 5, "x": 1}, "tags": [2], "seq": 1}"#)
        let fields = fieldNames { () throws(AuditTrailError) in try AuditEventInput(json: json, fieldPrefix: "[3].") }
        #expect(Set(fields ?? []) == ["[3].action", "[3].actor.ip", "[3].actor.x", "[3].tags[0]", "[3].seq"])
    }

    @Test("collects every error at once and reports how many")
    func collectsAllErrors() throws {
        let json = try JSONParser.parse(#"{"action": 1, "severity": "x", "outcome": "y", "risk_score": "z", "bogus": 0}"#)
        let error = try #require(caughtError { () throws(AuditTrailError) in try AuditEventInput(json: json) })
        #expect(error.code == .invalidInput)
        #expect(Set(error.fieldErrors.map(\.field)) == ["action", "severity", "outcome", "risk_score", "bogus"])
        #expect(error.message == "5 fields are invalid")
    }
}

@Suite("AuditEventInput from bytes (the streaming reader)")
struct AuditEventInputStreamingTests {
    @Test("reading the bytes gives what reading the parsed tree gives")
    func bytesMatchTree() throws {
        let fromBytes = try AuditEventInput(jsonBytes: Array(fullEventJSON.utf8))
        #expect(fromBytes == (try AuditEventInput(json: JSONParser.parse(fullEventJSON))))
    }

    @Test(
        "duplicate keys and syntax errors are JSON errors of the body, even after field errors",
        arguments: [
            #"{"action": "a.b", "action": "a.c"}"#,
            #"{"action": "a.b", "actor": {"id": "x", "id": "y"}}"#,
            #"{"action": "a.b", "nope": 1, "nope": 2}"#,
            #"{"action": "a.b", "metadata": {"k": 1, "k": 2}}"#,
            #"{"action": 5, "actor": {"ip": 1}, "tags": [1,]}"#,
            #"{"action": "a.b", "risk_score": 1 2}"#,
            #"{"action": "a.b"} x"#,
            #"{"action": "a.b""#,
        ]
    )
    func syntaxErrorsWin(text: String) {
        let error = caughtError { () throws(AuditTrailError) in try AuditEventInput(jsonBytes: Array(text.utf8)) }
        #expect(error?.fieldErrors.map(\.field) == ["body"])
        #expect(error?.message.contains("invalid JSON") == true)
        #expect(throws: AuditTrailError.self) { _ = try AuditEventInput.read(jsonBytes: Array(text.utf8)) }
    }

    @Test("field errors come back as the failure, in document order within an object")
    func fieldErrorsAreTheFailure() throws {
        let result = try AuditEventInput.read(
            jsonBytes: Array(#"{"action": "a.b", "actor": {"type": 1, "ip": 2, "id": 3}}"#.utf8),
            fieldPrefix: "[0]."
        )
        guard case .failure(let error) = result else {
            Issue.record("expected field errors")
            return
        }
        #expect(error.fieldErrors.map(\.field) == ["[0].actor.type", "[0].actor.ip", "[0].actor.id"])
    }

    @Test("an array is read element by element, each named by its index")
    func readsArrays() throws {
        let text = #"[{"action": "a.b"}, 7, {"action": "a.c", "x": 1}, {"action": "a.d"}]"#
        var seen: [(Int, [String])] = []
        try AuditEventInput.readBatch(Array(text.utf8), ndjson: false, maxCount: 10) { index, result in
            switch result {
            case .success(let input): seen.append((index, [input.action]))
            case .failure(let error): seen.append((index, error.fieldErrors.map(\.field)))
            }
        }
        #expect(seen.map(\.0) == [0, 1, 2, 3])
        #expect(seen.map(\.1) == [["a.b"], ["[1]"], ["[2].x"], ["a.d"]])
    }

    @Test(
        "an array body: not an array, too many events, or bad JSON anywhere throws",
        arguments: [
            (#"{"action": "a.b"}"#, "body", "must be a JSON array"),
            (#"[{"action": "a.b"}, {"action": "a.c"}, {"action": "a.d"}]"#, "body", "at most 2 events"),
            (#"[{"action": "a.b"},]"#, "body", "invalid JSON"),
            (#"[{"action": "a.b"}"#, "body", "invalid JSON"),
        ]
    )
    func arrayErrors(text: String, field: String, rule: String) {
        let error = caughtError { () throws(AuditTrailError) in
            try AuditEventInput.readBatch(Array(text.utf8), ndjson: false, maxCount: 2) { _, _ in }
        }
        #expect(error?.fieldErrors.map(\.field) == [field])
        #expect(error.map { $0.message.contains(rule) || $0.fieldErrors.contains { $0.message.contains(rule) } } == true)
    }
}
