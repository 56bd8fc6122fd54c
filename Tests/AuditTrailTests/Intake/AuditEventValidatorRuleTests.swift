import AuditTrail
import Testing

@Suite("AuditEventValidator rules")
struct AuditEventValidatorRuleTests {
    let validator = AuditEventValidator()

    func prepare(_ text: String, validator: AuditEventValidator = AuditEventValidator()) throws(AuditTrailError) -> PreparedAuditEvent {
        try validator.prepare(json: Array(text.utf8), receivedAt: fixedReceipt)
    }

    @Test(
        "each broken rule names its field",
        arguments: [
            (#"{"action": ""}"#, "action"),
            (#"{"action": "login"}"#, "action"),
            (#"{"action": "User.Login"}"#, "action"),
            (#"{"action": "user..login"}"#, "action"),
            (#"{"action": "user.login."}"#, "action"),
            (#"{"action": ".user.login"}"#, "action"),
            (#"{"action": "user._login"}"#, "action"),
            (#"{"action": "user.log-in"}"#, "action"),
            (#"{"action": "user.log in"}"#, "action"),
            (#"{"action": "user.lögin"}"#, "action"),
            (#"{"action": "a.b", "category": ""}"#, "category"),
            (#"{"action": "a.b", "category": "Auth"}"#, "category"),
            (#"{"action": "a.b", "category": "auth.x"}"#, "category"),
            (#"{"action": "a.b", "id": "not-a-uuid"}"#, "id"),
            (#"{"action": "a.b", "id": "0193f7e26c1a7b0e9d3c2a1b4c5d6e7f"}"#, "id"),
            (#"{"action": "a.b", "id": "0193f7e2-6c1a-7b0e-9d3c-2a1b4c5d6e7g"}"#, "id"),
            (#"{"action": "a.b", "id": "{0193f7e2-6c1a-7b0e-9d3c-2a1b4c5d6e7f}"}"#, "id"),
            (#"{"action": "a.b", "time": "2026-11-24T08:00:00.124Z"}"#, "time"),
            (#"{"action": "a.b", "actor": {"id": ""}}"#, "actor.id"),
            (#"{"action": "a.b", "actor": {"ip": "203.0.113"}}"#, "actor.ip"),
            (#"{"action": "a.b", "actor": {"ip": "localhost"}}"#, "actor.ip"),
            (#"{"action": "a.b", "resource": {"type": ""}}"#, "resource.type"),
            (#"{"action": "a.b", "resource": {"id": ""}}"#, "resource.id"),
            (#"{"action": "a.b", "files": [""]}"#, "files[0]"),
            (#"{"action": "a.b", "tags": ["ok", ""]}"#, "tags[1]"),
            (#"{"action": "a.b", "compliance": [""]}"#, "compliance[0]"),
            (#"{"action": "a.b", "request": {"method": "G E T"}}"#, "request.method"),
            (#"{"action": "a.b", "request": {"method": ""}}"#, "request.method"),
            (#"{"action": "a.b", "request": {"method": "GETGETGETGETGETGE"}}"#, "request.method"),
            (#"{"action": "a.b", "request": {"path": ""}}"#, "request.path"),
            (#"{"action": "a.b", "request": {"status": 99}}"#, "request.status"),
            (#"{"action": "a.b", "request": {"status": 600}}"#, "request.status"),
            (#"{"action": "a.b", "request": {"duration_ms": -1}}"#, "request.duration_ms"),
            (#"{"action": "a.b", "request": {"duration_ms": 86400001}}"#, "request.duration_ms"),
            (#"{"action": "a.b", "request": {"correlation_id": ""}}"#, "request.correlation_id"),
            (#"{"action": "a.b", "risk_score": -1}"#, "risk_score"),
            (#"{"action": "a.b", "risk_score": 101}"#, "risk_score"),
            (#"{"action": "a.b", "risk_score": 99999999999999}"#, "risk_score"),
            (#"{"action": "a.b", "location": {"country": "DEU"}}"#, "location.country"),
            (#"{"action": "a.b", "location": {"country": "D"}}"#, "location.country"),
            (#"{"action": "a.b", "location": {"country": "D1"}}"#, "location.country"),
            (#"{"action": "a.b", "location": {"country": "DÉ"}}"#, "location.country"),
        ]
    )
    func brokenRuleNamesField(text: String, field: String) {
        let error = caughtError { () throws(AuditTrailError) in try prepare(text) }
        #expect(error?.code == .invalidInput)
        #expect(error?.fieldErrors.map(\.field) == [field])
    }

    @Test(
        "boundary values are accepted",
        arguments: [
            #"{"action": "a.b"}"#, #"{"action": "a.b.c.d"}"#, #"{"action": "user_x.log_in2"}"#, #"{"action": "9.0"}"#,
            #"{"action": "a.b", "time": "2026-11-23T08:00:00.123Z"}"#, #"{"action": "a.b", "time": "1970-01-01T00:00:00Z"}"#,
            #"{"action": "a.b", "risk_score": 0}"#, #"{"action": "a.b", "risk_score": 100}"#,
            #"{"action": "a.b", "request": {"status": 100, "duration_ms": 0, "method": "M-SEARCH"}}"#,
            #"{"action": "a.b", "request": {"status": 599, "duration_ms": 86400000}}"#,
            #"{"action": "a.b", "location": {"country": "de"}}"#, #"{"action": "a.b", "category": "x_1"}"#,
        ]
    )
    func acceptsBoundaries(text: String) {
        #expect(caughtError { () throws(AuditTrailError) in try prepare(text) } == nil)
    }

    @Test("collects every broken rule at once")
    func collectsEveryRule() throws {
        let text = #"""
            {"action": "Bad", "id": "x", "risk_score": 101, "actor": {"ip": "nope", "id": ""},
             "request": {"status": 42}, "location": {"country": "XYZ"}, "tags": [""]}
            """#
        let error = try #require(caughtError { () throws(AuditTrailError) in try prepare(text) })
        #expect(
            Set(error.fieldErrors.map(\.field)) == [
                "action", "id", "risk_score", "actor.ip", "actor.id", "request.status", "location.country", "tags[0]",
            ]
        )
        #expect(error.message == "8 fields are invalid")
    }

    @Test("fieldPrefix prefixes validation failures for batches")
    func prefixesValidationFailures() throws {
        let input = AuditEventInput(action: "a.b", actor: .init(ip: "999.1.1.1"), riskScore: 500)
        let fields = fieldNames { () throws(AuditTrailError) in
            try AuditEventValidator().prepare(input, receivedAt: fixedReceipt, fieldPrefix: "[3].")
        }
        #expect(Set(fields ?? []) == ["[3].actor.ip", "[3].risk_score"])
    }

    @Test(
        "strings over 8,192 characters are rejected wherever they are",
        arguments: [
            "description", "comment", "actor.user_agent", "resource.name", "request.path", "files[0]",
            "metadata.a.b[1].c", "changes.before.deep", "changes.after[0]", "request.headers.x-long",
        ]
    )
    func rejectsLongStrings(field: String) throws {
        let long = String(repeating: "é", count: 8193)  // 8,193 characters (16,386 bytes)
        var input = AuditEventInput(action: "a.b")
        switch field {
        case "description": input.description = long
        case "comment": input.comment = long
        case "actor.user_agent": input.actor = .init(userAgent: long)
        case "resource.name": input.resource = .init(name: long)
        case "request.path": input.request = .init(path: long)
        case "files[0]": input.files = [long]
        case "metadata.a.b[1].c": input.metadata = ["a": ["b": [1, ["c": .string(long)]]]]
        case "changes.before.deep": input.changes = .init(before: ["deep": .string(long)])
        case "changes.after[0]": input.changes = .init(after: [.string(long)])
        default: input.request = .init(headers: ["x-long": .string(long)])
        }
        let fields = fieldNames { () throws(AuditTrailError) in try validator.prepare(input, receivedAt: fixedReceipt) }
        #expect(fields == [field])
        let exact = String(repeating: "a", count: 8192)
        #expect(
            caughtError { () throws(AuditTrailError) in
                try validator.prepare(AuditEventInput(action: "a.b", description: exact, metadata: ["k": .string(exact)]), receivedAt: fixedReceipt)
            } == nil
        )
    }

    @Test("metadata keys over 8 KiB are rejected")
    func rejectsLongKeys() {
        let key = String(repeating: "k", count: 8193)
        let input = AuditEventInput(action: "a.b", metadata: .object(["outer": .object([key: 1])]))
        #expect(fieldNames { () throws(AuditTrailError) in try validator.prepare(input, receivedAt: fixedReceipt) } == ["metadata.outer"])
    }

    @Test("events over 64 KiB are too large, as bytes and after encoding")
    func rejectsLargeEvents() throws {
        let chunk = String(repeating: "x", count: 8000)
        let metadata = (0..<9).map { "\"k\($0)\": \"\(chunk)\"" }.joined(separator: ",")
        let text = #"{"action": "a.b", "metadata": {"# + metadata + "}}"
        #expect(text.utf8.count > 64 * 1024)
        let error = caughtError { () throws(AuditTrailError) in try prepare(text) }
        #expect(error?.code == .tooLarge)
        #expect(error?.fieldErrors.map(\.field) == ["event"])

        var object: [String: JSONValue] = [:]
        for index in 0..<9 { object["k\(index)"] = .string(chunk) }
        let input = AuditEventInput(action: "a.b", metadata: .object(object))
        let encoded = caughtError { () throws(AuditTrailError) in
            try validator.prepare(input, receivedAt: fixedReceipt, fieldPrefix: "[7].")
        }
        #expect(encoded?.code == .tooLarge)
        #expect(encoded?.fieldErrors.map(\.field) == ["[7]"])

        object.removeValue(forKey: "k8")
        let fits = AuditEventInput(action: "a.b", metadata: .object(object))
        #expect(caughtError { () throws(AuditTrailError) in try validator.prepare(fits, receivedAt: fixedReceipt) } == nil)
    }

    @Test("lists longer than the limit are rejected")
    func rejectsLongLists() {
        var configuration = AuditEventValidator.Configuration()
        configuration.maxListCount = 3
        let input = AuditEventInput(action: "a.b", files: ["a", "b", "c", "d"], tags: ["a"], compliance: ["a", "b", "c"])
        let fields = fieldNames { () throws(AuditTrailError) in
            try AuditEventValidator(configuration: configuration).prepare(input, receivedAt: fixedReceipt)
        }
        #expect(fields == ["files"])
    }

    @Test("JSON errors in the body name the body")
    func jsonErrorsNameBody() {
        let error = caughtError { () throws(AuditTrailError) in try prepare(#"{"action": "a.b",}"#) }
        #expect(error?.fieldErrors.map(\.field) == ["body"])
    }
}
