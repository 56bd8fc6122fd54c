import AuditTrail
import Testing

@Suite("AuditEventInput.jsonObject")
struct AuditEventInputWritingTests {
    @Test func fullEventRoundTripsThroughTheReader() throws {
        let input = try AuditEventInput(jsonBytes: Array(fullEventJSON.utf8))
        let again = try AuditEventInput(jsonBytes: input.jsonBytes)
        #expect(again == input)
        #expect(input.jsonObject["request"]?["duration_ms"] == .double(12.3))
        #expect(input.jsonObject["actor"]?["user_agent"] == .string("curl/8.0"))
    }

    /// `jsonBytes` writes the fields straight in key order; it must stay byte for byte the
    /// canonical encoding of `jsonObject` whichever fields are set.
    @Test func jsonBytesIsTheCanonicalEncodingOfJSONObject() throws {
        let full = try AuditEventInput(jsonBytes: Array(fullEventJSON.utf8))
        var inputs = [full, AuditEventInput(action: "data.export")]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var input = AuditEventInput(action: "a.\u{E9}\"\\\n.\u{1F600}")
            let coin = { Bool.random(using: &generator) }
            if coin() { input.id = full.id }
            if coin() { input.time = full.time }
            if coin() { input.category = "c\u{0}t" }
            if coin() { input.severity = .critical }
            if coin() { input.outcome = .denied }
            if coin() { input.description = "d</script>" }
            if coin() { input.comment = "" }
            if coin() {
                input.actor = coin() ? .init() : .init(id: coin() ? "u" : nil, type: coin() ? "t" : nil, userAgent: coin() ? "ua" : nil)
            }
            if coin() { input.resource = coin() ? .init() : .init(type: "doc", namespace: coin() ? "n" : nil) }
            if coin() { input.changes = .init(before: coin() ? ["z": 1, "a": [nil, true, 1.5]] : nil, after: coin() ? "x" : nil) }
            if coin() { input.files = ["f", "\u{7F}"] }
            if coin() {
                input.request = .init(
                    method: coin() ? "GET" : nil,
                    path: coin() ? "/p?q=1" : nil,
                    status: coin() ? 404 : nil,
                    durationMS: coin() ? 0.1 + 0.2 : nil,
                    correlationID: coin() ? "c" : nil,
                    headers: coin() ? ["b": "2", "a": ["x": -0.0]] : nil
                )
            }
            if coin() { input.riskScore = Int.random(in: 0...100, using: &generator) }
            if coin() { input.location = .init(country: coin() ? "DE" : nil, city: "K\u{F6}ln") }
            if coin() { input.tags = ["t1", "t0"] }
            if coin() { input.compliance = ["SOC2"] }
            if coin() { input.metadata = coin() ? ["\u{E9}": 1, "e": 2, "E": [3]] : .null }
            inputs.append(input)
        }
        for input in inputs {
            #expect(input.jsonBytes == CanonicalJSON.encode(input.jsonObject), "\(String(decoding: input.jsonBytes, as: UTF8.self))")
        }
    }

    @Test func minimalEventLeavesAbsentFieldsOut() throws {
        let input = AuditEventInput(action: "data.export")
        #expect(String(decoding: input.jsonBytes, as: UTF8.self) == #"{"action":"data.export"}"#)
        #expect(try AuditEventInput(jsonBytes: input.jsonBytes) == input)
    }
}

@Suite("AuditEventInput(event)")
struct AuditEventInputFromEventTests {
    @Test func validatedEventRevalidatesToTheSameEvent() throws {
        let validator = AuditEventValidator()
        let input = try AuditEventInput(jsonBytes: Array(fullEventJSON.utf8))
        let event = try validator.validate(input)
        let again = try validator.validate(AuditEventInput(jsonBytes: AuditEventInput(event).jsonBytes), receivedAt: event.receivedAt)
        #expect(again.id == event.id)
        #expect(again.time == event.time)
        #expect(AuditEventInput(again) == AuditEventInput(event))
    }
}
