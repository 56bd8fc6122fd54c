import AuditTrail
import Testing

@Suite("AuditEventValidator defaults and normalisation")
struct AuditEventValidatorDefaultsTests {
    let validator = AuditEventValidator()

    func validate(_ input: AuditEventInput, anonymize: Bool = false) throws -> AuditEvent {
        try AuditEventValidator(configuration: .init(anonymizeIPs: anonymize)).validate(input, receivedAt: fixedReceipt)
    }

    @Test("every field of a full event survives validation, normalised")
    func fullEventRoundTrips() throws {
        let prepared = try validator.prepare(json: Array(fullEventJSON.utf8), receivedAt: fixedReceipt)
        let event = prepared.event
        #expect(prepared.clientID)
        #expect(event.id == "0193f7e2-6c1a-7b0e-9d3c-2a1b4c5d6e7f")
        #expect(event.time == AuditTime(milliseconds: 1_795_334_398_500))
        #expect(event.receivedAt == fixedReceipt)
        #expect(event.action == "user.login")
        #expect(event.category == "authentication")
        #expect(event.severity == .warning)
        #expect(event.outcome == .failure)
        #expect(event.description == "Alice signed in")
        #expect(event.actor == .init(id: "u-123", name: "alice", type: "user", ip: "203.0.113.9", userAgent: "curl/8.0", sessionID: "s-1"))
        #expect(event.resource == .init(type: "document", id: "42", name: "Q3 report", namespace: "acme"))
        #expect(event.changes == .init(before: ["role": "user"], after: ["role": "admin", "level": 2.5]))
        #expect(event.files == ["config.yaml", "b.txt"])
        #expect(event.comment == "promotion approved by HR")
        #expect(
            event.request
                == .init(
                    method: "POST",
                    path: "/api/users",
                    status: 201,
                    durationMS: 12.3,
                    correlationID: "c-9",
                    headers: ["accept": "application/json"]
                )
        )
        #expect(event.riskScore == 40)
        #expect(event.location == .init(country: "DE", region: "BE", city: "Berlin"))
        #expect(event.tags == ["billing"])
        #expect(event.compliance == ["SOC2", "GDPR"])
        #expect(event.metadata == ["any": "json", "n": [1, true, nil]])
        #expect(event.redacted.isEmpty)
        #expect(event.seq == 0)
        #expect(event.hash == nil)
    }

    @Test("defaults: catalog category and severity, success, time of receipt, UUIDv7 id")
    func fillsDefaults() throws {
        let prepared = try validator.prepare(AuditEventInput(action: "user.login_failed"), receivedAt: fixedReceipt)
        let event = prepared.event
        #expect(!prepared.clientID)
        #expect(event.category == "authentication")
        #expect(event.severity == .warning)
        #expect(event.outcome == .success)
        #expect(event.time == fixedReceipt)
        #expect(event.receivedAt == fixedReceipt)
        #expect(event.redacted == [])
        let id = Array(event.id.utf8)
        #expect(id.count == 36)
        #expect(AuditEventID.normalizedUUID(event.id) == event.id)
        #expect(id[14] == UInt8(ascii: "7"))
        #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(id[19]))
        // The first 48 bits are the receipt time in milliseconds.
        let timeHex = String(decoding: id[0..<8] + id[9..<13], as: UTF8.self)
        #expect(Int64(timeHex, radix: 16) == fixedReceipt.milliseconds)
    }

    @Test("generated ids are unique and time-ordered")
    func generatedIDsAreOrdered() {
        let ids = (0..<200).map { AuditEventID.makeUUIDv7(at: AuditTime(milliseconds: 1_000_000 + Int64($0))) }
        #expect(Set(ids).count == ids.count)
        #expect(ids == ids.sorted())
        // Canonical UUIDv7 text: 8-4-4-4-12 lower-case hex, version 7, variant 10, the time first.
        for id in ids {
            #expect(AuditEventID.normalizedUUID(id) == id)
            let hex = Array(id.utf8)
            #expect(hex[14] == UInt8(ascii: "7"))
            #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(hex[19]))
        }
        #expect(AuditEventID.makeUUIDv7(at: AuditTime(milliseconds: 0x0193_F7E2_6C1A)).hasPrefix("0193f7e2-6c1a-7"))
    }

    @Test("query pairs are the slices between & signs, empty ones and a trailing one included, as split gives them")
    func queryPairs() {
        for query in ["", "a=1", "a=1&b", "a=1&&b=2", "a=1&", "&", "=x&y=", "k=v=w&z"] {
            let pairs = Array(AuditQueryPairs(query))
            let split = query.split(separator: "&", omittingEmptySubsequences: false)
            #expect(pairs.map { String($0.text) } == split.map(String.init), "\(query)")
            #expect(
                pairs.map { String($0.name) } == split.map { String($0.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]) },
                "\(query)"
            )
        }
    }

    @Test(
        "category falls back to the action's first segment, mapped to a category name",
        arguments: [
            ("user.login", "authentication"), ("user.created", "user_management"), ("user.frobnicated", "user_management"),
            ("auth.weird", "authentication"), ("payment.refunded", "billing"), ("widget.spun", "widget"),
            ("http.get", "api"),
        ]
    )
    func derivesCategory(action: String, category: String) throws {
        #expect(try validate(AuditEventInput(action: action)).category == category)
    }

    @Test("explicit category, severity and outcome win over the catalog")
    func explicitValuesWin() throws {
        let event = try validate(AuditEventInput(action: "user.login_failed", category: "custom", severity: .critical, outcome: .denied))
        #expect(event.category == "custom")
        #expect(event.severity == .critical)
        #expect(event.outcome == .denied)
        #expect(try validate(AuditEventInput(action: "widget.spun")).severity == .info)
    }

    @Test(
        "IP addresses are normalised, and anonymised when configured",
        arguments: [
            ("203.0.113.9", "203.0.113.9", "203.0.113.0"),
            ("2001:DB8:0:0:0:0:0:1", "2001:db8::1", "2001:db8::"),
            ("2001:db8:abcd:12::7", "2001:db8:abcd:12::7", "2001:db8:abcd::"),
            ("::ffff:198.51.100.20", "::ffff:198.51.100.20", "::ffff:198.51.100.0"),
        ]
    )
    func normalisesIPs(text: String, normalised: String, anonymised: String) throws {
        let input = AuditEventInput(action: "a.b", actor: .init(id: "u", ip: text))
        #expect(try validate(input).actor?.ip == normalised)
        #expect(try validate(input, anonymize: true).actor?.ip == anonymised)
        #expect(try validate(input, anonymize: true).actor?.id == "u")
    }

    @Test("request method and country are upper-cased")
    func upperCases() throws {
        let event = try validate(AuditEventInput(action: "a.b", request: .init(method: "delete"), location: .init(country: "fr")))
        #expect(event.request?.method == "DELETE")
        #expect(event.location?.country == "FR")
    }

    @Test("canonical parts are prepared from the validated event")
    func preparesCanonicalParts() throws {
        let prepared = try validator.prepare(AuditEventInput(action: "a.b"), receivedAt: fixedReceipt)
        #expect(prepared.parts == AuditEventCanonicalParts(prepared.event))
    }
}
