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
        #expect(input.request == .init(method: "post", path: "/api/users", status: 201, durationMS: 12.3,
                                       correlationID: "c-9", headers: ["accept": "application/json"]))
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

    @Test("JSON type errors name the field", arguments: [
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
    ])
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
        let json = try JSONParser.parse(#"""
        {"action": "a.b", "actions": 1, "actor": {"id": "x", "email": "e"}, "resource": {"owner": "o"},
         "changes": {"diff": 1}, "request": {"query": "q"}, "location": {"lat": 1}}
        """#)
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
