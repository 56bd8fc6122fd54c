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
