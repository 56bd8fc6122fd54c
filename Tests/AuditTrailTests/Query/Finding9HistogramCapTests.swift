import Testing

@testable import AuditTrail

/// Issue 12, finding 9: the stats histogram never holds more than ``AuditStats/Bucket/maxBins``
/// bins, and capped breakdowns count what they leave out.
@Suite struct Finding9HistogramCapTests {
    @Test func finding9_histogramKeepsTheNewestMaxBinsAndSaysSo() {
        let day = AuditStats.Bucket.day.milliseconds
        // One event a day for 20,000 days, the range unnamed (the data's extent).
        var minutes: [Int64: Int64] = [:]
        for index in 0..<Int64(20_000) { minutes[index * day] = 1 }
        var stats = AuditStats()
        stats.setHistogram(minutes: minutes, requested: nil, since: nil, until: nil)
        #expect(stats.bucket == .day)
        #expect(stats.histogram.count == Int(AuditStats.Bucket.maxBins))
        #expect(stats.histogram.last?.start.milliseconds == 19_999 * day)
        #expect(stats.histogramTruncated)
        #expect(stats.jsonObject["histogram_truncated"] == .bool(true))
    }

    @Test func finding9_capBreakdownsKeepsTheTopValues() {
        var stats = AuditStats()
        stats.byAction = ["a.1": 1, "a.2": 2, "a.3": 3]
        stats.byCategory = ["a": 6]
        stats.capBreakdowns(to: 1)
        #expect(stats.byAction == ["a.3": 3])
        #expect(stats.byActionOther == AuditStats.Omitted(values: 2, count: 3))
        #expect(stats.byCategoryOther == nil)
        #expect(stats.jsonObject["by_action_other"] == .object(["values": .int(2), "count": .int(3)]))
    }

    @Test func finding9_aNamedRangeOverTheCapIsAcceptedAndTheHistogramStaysBounded() throws {
        // Schemathesis found a `since` in year 267 refused: any range is a valid request; the
        // histogram lists only bins with events, at most maxBins of them.
        let now = AuditTime(rfc3339: "2026-12-01T00:00:00Z")!
        let request = try AuditStatsRequest(parameters: [("since", "0267-09-07T01:54:12Z"), ("bucket", "minute")], now: now)
        let day = AuditStats.Bucket.day.milliseconds
        var minutes: [Int64: Int64] = [:]
        for index in 0..<Int64(12_000) { minutes[now.milliseconds - index * day] = 1 }
        var stats = AuditStats()
        stats.setHistogram(minutes: minutes, requested: request.bucket, since: request.query.since, until: now)
        #expect(stats.bucket == .day)
        #expect(stats.histogram.count == Int(AuditStats.Bucket.maxBins))
        #expect(stats.histogramTruncated)
    }
}
