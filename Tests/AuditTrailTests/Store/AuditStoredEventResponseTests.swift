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

    @Test func statsRequestsReadTheBucketGroupingAndTopAndNameABadOne() throws {
        let request = try AuditStatsRequest(parameters: [("action", "user.*"), ("bucket", "day")], now: fixedReceipt)
        let plain = try AuditQuery(parameters: [("action", "user.*")], now: fixedReceipt)
        #expect(request.bucket == .day && request.query == plain && request.groupBy == nil)
        #expect(try AuditStatsRequest(parameters: []).bucket == nil, "the bucket adapts to the range unless given")
        #expect(try AuditStatsRequest(parameters: [("bucket", "auto")]).bucket == nil)
        let grouped = try AuditStatsRequest(parameters: [("group_by", "resource_type"), ("top", "3")])
        #expect(grouped.groupBy == .resourceType && grouped.top == 3)
        #expect(try AuditStatsRequest(parameters: [("group_by", "actor")]).top == AuditStatsRequest.defaultTop)
        #expect(try AuditStatsRequest(parameters: [("top", "5")]).groupBy == nil, "top without group_by is ignored")
        let bad: [([(String, String)], String, String)] = [
            ([("bucket", "week")], "bucket", "must be one of auto, minute, hour, day"),
            ([("group_by", "word")], "group_by", "must be one of " + AuditStats.GroupField.allCases.map(\.rawValue).joined(separator: ", ")),
            ([("group_by", "actor"), ("top", "0")], "top", "must be an integer from 1 to 1000"),
            ([("group_by", "actor"), ("top", "1001")], "top", "must be an integer from 1 to 1000"),
            ([("group_by", "actor"), ("top", "99999999999999999999")], "top", "must be an integer from 1 to 1000"),
        ]
        for (parameters, field, message) in bad {
            do {
                _ = try AuditStatsRequest(parameters: parameters)
                Issue.record("\(parameters) was accepted")
            } catch {
                #expect(error.fieldErrors.map(\.field) == [field] && error.fieldErrors.first?.message == message, "\(parameters)")
            }
        }
    }

    @Test func theBucketAdaptsToTheRangeAndAFineOneIsCoarsenedPastTheBinLimit() {
        let hour: Int64 = 3_600_000
        #expect(AuditStats.Bucket.resolve(nil, span: 0) == .minute)
        #expect(AuditStats.Bucket.resolve(nil, span: 12 * hour) == .minute)
        #expect(AuditStats.Bucket.resolve(nil, span: 24 * hour) == .hour)
        #expect(AuditStats.Bucket.resolve(nil, span: 30 * 24 * hour) == .hour)
        #expect(AuditStats.Bucket.resolve(nil, span: 365 * 24 * hour) == .day)
        #expect(AuditStats.Bucket.resolve(.minute, span: 24 * hour) == .minute, "1,440 bins are within the limit")
        #expect(AuditStats.Bucket.resolve(.minute, span: 365 * 24 * hour) == .hour, "525,600 minute bins are not; 8,760 hours are")
        #expect(AuditStats.Bucket.resolve(.hour, span: 10 * 365 * 24 * hour) == .day)
        #expect(AuditStats.Bucket.resolve(.day, span: 100 * 365 * 24 * hour) == .day, "day is the coarsest")
        #expect(AuditStats.Bucket.resolve(.day, span: 0) == .day, "a coarser bucket than needed is kept")
        var stats = AuditStats()
        let base: Int64 = 1_700_000_000_000 - 1_700_000_000_000 % (24 * hour)
        stats.setHistogram(minutes: [base: 2, base + 90 * 60_000: 3], requested: nil, since: nil, until: nil)
        #expect(stats.bucket == .minute && stats.histogram.map(\.count) == [2, 3])
        stats.setHistogram(minutes: [base: 2, base + 90 * 60_000: 3], requested: nil, since: AuditTime(milliseconds: base - 24 * hour), until: nil)
        #expect(stats.bucket == .hour && stats.histogram.map(\.count) == [2, 3], "a given since widens the range")
        stats.setHistogram(minutes: [base: 2, base + 30 * 60_000: 3], requested: .hour, since: nil, until: nil)
        #expect(stats.bucket == .hour && stats.histogram.map(\.count) == [5])
    }
}
