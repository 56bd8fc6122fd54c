import AuditTrail
import HTTPTypes
import Testing

@testable import AuditTrailServer

/// Issue 12, finding 9: answers stay bounded however many actions producers invent or however
/// far back they date events — `event-types` is paged, `stats` caps its breakdowns and its
/// histogram, and an event time far in the past is refused.
@Suite struct Finding9BoundedAnswersTests {
    /// Five actions, `a.1` once … `a.5` five times.
    func ingestFiveActions(_ api: TestAPI) async throws {
        for action in 1...5 {
            for _ in 0..<action { try await api.ingest(#"{"action":"a.\#(action)"}"#) }
        }
    }

    @Test func finding9_eventTypesArePaged() async throws {
        try await withServer { _, api in
            try await ingestFiveActions(api)
            var seen: [String] = []
            var uri = "/v1/event-types?limit=2"
            var pages = 0
            while true {
                let reply = try await api.send(.get, uri)
                #expect(reply.status == .ok)
                let page = reply.json["seen"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
                #expect(page.count <= 2)
                seen += page
                pages += 1
                guard let next = reply.json["next_cursor"]?.stringValue else { break }
                #expect(next == page.last)
                uri = "/v1/event-types?limit=2&after=\(next)"
                if pages > 10 { break }
            }
            // audit.query records of the reads themselves are actions too.
            #expect(seen.filter { $0.hasPrefix("a.") } == ["a.1", "a.2", "a.3", "a.4", "a.5"])
            #expect(seen == seen.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }))
            #expect(pages >= 3)
            let defaultPage = try await api.send(.get, "/v1/event-types")
            #expect(defaultPage.json["next_cursor"] == .null)
            let tooMany = try await api.send(.get, "/v1/event-types?limit=1001")
            #expect(tooMany.status == .badRequest)
            #expect(tooMany.errorFields == ["limit"])
            let unknown = try await api.send(.get, "/v1/event-types?action=a.1")
            #expect(unknown.errorFields == ["action"])
            // An empty `after` is the first page (schemathesis sent it; the document allows it).
            let fromStart = try await api.send(.get, "/v1/event-types?limit=1&after=")
            #expect(fromStart.status == .ok)
            #expect(fromStart.json["seen"]?.arrayValue?.first?["action"] == .string("a.1"))
            let tooLong = try await api.send(.get, "/v1/event-types?after=\(String(repeating: "a", count: 1025))")
            #expect(tooLong.errorFields == ["after"])
        }
    }

    @Test(arguments: TestStore.available) func finding9_statsCapBreakdownsAndCountTheRest(_ store: TestStore) async throws {
        try await withServer(on: store) { _, api in
            try await ingestFiveActions(api)
            let reply = try await api.send(.get, "/v1/stats?action=a.*&limit=2")
            #expect(reply.status == .ok)
            #expect(reply.json["total"] == .int(15))
            #expect(reply.json["by_action"] == .object(["a.5": .int(5), "a.4": .int(4)]))
            #expect(reply.json["by_action_other"] == .object(["values": .int(3), "count": .int(6)]))
            #expect(reply.json["by_category_other"] == nil, "one category: nothing left out")
            let tooMany = try await api.send(.get, "/v1/stats?limit=1001")
            #expect(tooMany.errorFields == ["limit"])
        }
    }

    @Test func finding9_statsAcceptAnyRangeWithABoundedHistogram() async throws {
        // A `since` decades back is a valid request (schemathesis sent year 267): the histogram
        // lists only bins with events, coarsened to days, at most maxBins of them.
        try await withServer { _, api in
            try await ingestFiveActions(api)
            for since in ["1970-01-01T00:00:00Z", "0267-09-07T01:54:12.828892Z"] {
                let reply = try await api.send(.get, "/v1/stats?since=\(since)&bucket=minute")
                #expect(reply.status == .ok)
                #expect(reply.json["bucket"] == .string("day"))
                let bins = reply.json["histogram"]?.arrayValue ?? []
                #expect((1...2).contains(bins.count), "only the days with events")
                #expect(reply.json["histogram_truncated"] == nil)
            }
        }
    }

    @Test func finding9_eventTimesTooFarInThePastAreRefused() async throws {
        let old = AuditTime.now().adding(milliseconds: -31 * 86_400_000).rfc3339
        let recent = AuditTime.now().adding(milliseconds: -29 * 86_400_000).rfc3339
        try await withServer { _, api in
            let refused = try await api.ingest(#"{"action":"a.old","time":"\#(old)"}"#)
            #expect(refused.status == .badRequest)
            #expect(refused.errorFields == ["time"])
            #expect(refused.json["errors"]?.arrayValue?.first?["message"]?.stringValue == "must not be more than 30 days in the past")
            #expect(try await api.ingest(#"{"action":"a.recent","time":"\#(recent)"}"#).status == .created)
        }
        // `--max-event-age off` (imports) accepts any past time.
        let importing: (inout AuditServerConfiguration) -> Void = { $0.maxEventAgeDays = nil }
        try await withServer(importing) { _, api in
            let accepted = try await api.ingest(#"{"action":"a.old","time":"\#(old)"}"#)
            #expect(accepted.status == .created)
        }
    }

    @Test func finding9_maxEventAgeIsASetting() throws {
        let configuration = AuditServerConfiguration()
        #expect(configuration.maxEventAgeDays == 30)
        #expect(AuditServerSetting.maxEventAge.defaultText == "30")
        #expect(AuditServerSetting.Rule<Int?>.daysOrOff.parse("off") == .some(nil))
        #expect(AuditServerSetting.Rule<Int?>.daysOrOff.parse("7") == .some(7))
        #expect(AuditServerSetting.Rule<Int?>.daysOrOff.parse("-1") == nil)
    }
}
