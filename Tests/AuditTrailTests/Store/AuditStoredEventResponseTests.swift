import AuditTrail
import AuditTrailTesting
import Testing

@testable import AuditTrail

/// A reader of the API gets back the stored bytes: `AuditStoredEvent(response:)` re-encodes an
/// event object exactly as the log stored it.
@Suite("AuditStoredEvent(response:)")
struct AuditStoredEventResponseTests {
    @Test func everyFixtureReadsBackToItsStoredBytes() throws {
        var previous = AuditHash.zero
        var inputs = AuditFixtures.events(count: 40, seed: 7)
        inputs.append(AuditFixtures.fullyPopulated())
        for (index, input) in inputs.enumerated() {
            let prepared = try AuditEventValidator().prepare(input, receivedAt: fixedReceipt)
            let sealed = AuditSealer.seal(prepared, seq: Int64(index + 1), receivedAt: fixedReceipt, previousHash: previous)
            previous = sealed.hash
            let stored = sealed.stored
            let read = try AuditStoredEvent(response: JSONParser.parse(stored.responseJSON))
            #expect(read == stored, "\(String(decoding: stored.canonical, as: UTF8.self))")
        }
    }

    @Test(arguments: [
        (#"[1]"#, "event"),
        (#"{"id":"a","hash":"\#(String(repeating: "0", count: 64))"}"#, "seq"),
        (#"{"seq":1,"hash":"\#(String(repeating: "0", count: 64))"}"#, "id"),
        (#"{"seq":1,"id":"a","hash":"\#(String(repeating: "A", count: 64))"}"#, "hash"),
        (#"{"seq":1,"id":"a"}"#, "hash"),
    ])
    func aMalformedObjectIsRefusedNamingTheField(json: String, field: String) throws {
        #expect(throws: AuditTrailError.self) { try AuditStoredEvent(response: JSONParser.parse(json)) }
        do {
            _ = try AuditStoredEvent(response: JSONParser.parse(json))
        } catch {
            #expect(error.fieldErrors.map(\.field) == [field])
        }
    }

    @Test func statsRequestsReadTheBucketAndNameABadOne() throws {
        let (query, bucket) = try AuditStats.request(parameters: [("action", "user.*"), ("bucket", "day")], now: fixedReceipt)
        let plain = try AuditQuery(parameters: [("action", "user.*")], now: fixedReceipt)
        #expect(bucket == .day && query == plain)
        #expect(try AuditStats.request(parameters: []).1 == .hour)
        #expect(throws: AuditTrailError.self) { try AuditStats.request(parameters: [("bucket", "week")]) }
        do {
            _ = try AuditStats.request(parameters: [("bucket", "week")])
        } catch {
            #expect(error.fieldErrors.map(\.field) == ["bucket"] && error.fieldErrors.first?.message == "must be one of minute, hour, day")
        }
    }
}
