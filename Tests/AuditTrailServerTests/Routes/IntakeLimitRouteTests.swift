import AuditTrail
import Foundation
import HTTPTypes
import Testing

@testable import AuditTrailServer

/// Issue 12, finding 3: one batch must not exhaust CPU or memory. Every limit applies while the
/// body is read, so a refusal is quick and its body small whatever the input. The times are a
/// loose regression guard, not a target: they include handing megabytes through the test client
/// in a debug build on a shared machine (measured 30–120 ms; before the fix, minutes).
@Suite struct IntakeLimitRouteTests {
    /// One event with `count` unknown keys, as JSON.
    static func eventWithUnknownKeys(_ count: Int) -> String {
        #"{"action":"doc.view","# + (0..<count).map { #""k\#($0)":0"# }.joined(separator: ",") + "}"
    }

    @Test func batchWithManyUnknownKeysIsRefusedFast() async throws {
        // The reporter's case: a 1 MB batch of one event with 100,000 unknown keys took 26 s and
        // answered 4.9 MB. As an NDJSON line the event is over the size of one and not parsed.
        try await withServer { _, api in
            let event = Self.eventWithUnknownKeys(100_000)
            #expect(event.utf8.count > 1_000_000)
            let cases: [(String, String, HTTPResponse.Status, [String])] = [
                ("[" + event + "]", "application/json", .badRequest, (0..<AuditTrailError.maxFieldErrors).map { "[0].k\($0)" }.sorted()),
                (event + "\n", "application/x-ndjson", .contentTooLarge, ["[0]"]),
            ]
            for (body, contentType, status, fields) in cases {
                let start = ContinuousClock.now
                let reply = try await api.send(.post, "/v1/events/batch", body: body, contentType: contentType)
                let elapsed = ContinuousClock.now - start
                #expect(reply.status == status)
                #expect(reply.body.count < 8 * 1024)
                #expect(reply.errorFields == fields)
                #expect(elapsed < .seconds(5))
            }
        }
    }

    @Test func batchOfEightMiBWithManyUnknownKeysIsRefusedFast() async throws {
        try await withServer { _, api in
            // Seven events of about 1.1 MB each (7.6 MB), every one with 100,000 unknown keys.
            let event = Self.eventWithUnknownKeys(100_000)
            let array = "[" + Array(repeating: event, count: 7).joined(separator: ",") + "]"
            let lines = Array(repeating: event, count: 7).joined(separator: "\n")
            #expect(array.utf8.count > 7 * 1024 * 1024 && array.utf8.count <= AuditAPI.maxBatchBytes)
            for (body, contentType) in [(array, "application/json"), (lines, "application/x-ndjson")] {
                let start = ContinuousClock.now
                let reply = try await api.send(.post, "/v1/events/batch", body: body, contentType: contentType)
                let elapsed = ContinuousClock.now - start
                #expect(reply.status == .badRequest || reply.status == .contentTooLarge)
                #expect(reply.body.count < 8 * 1024)
                #expect(reply.errorFields.count <= AuditTrailError.maxFieldErrors)
                #expect(elapsed < .seconds(5))
            }
        }
    }

    @Test func batchOfManyBadEventsListsAtMostTheMostFieldErrors() async throws {
        try await withServer { _, api in
            let body = "[" + Array(repeating: #"{"action":"Bad"}"#, count: 10_000).joined(separator: ",") + "]"
            let reply = try await api.send(.post, "/v1/events/batch", body: body)
            #expect(reply.status == .badRequest)
            #expect(reply.errorFields == (0..<AuditTrailError.maxFieldErrors).map { "[\($0)].action" })
            #expect(reply.body.count < 8 * 1024)
        }
    }

    @Test func singleEventWithManyUnknownKeysIsRefusedFast() async throws {
        try await withServer { _, api in
            let event = Self.eventWithUnknownKeys(6_000)  // within the 64 KiB of one event
            let start = ContinuousClock.now
            let reply = try await api.ingest(event)
            // 26 s of CPU before the fix; a generous bound, as the machine running the tests is shared.
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(reply.status == .badRequest)
            #expect(reply.errorFields.count == AuditTrailError.maxFieldErrors)
        }
    }

    @Test func keyBodyWithManyMembersIsRefusedWhileReading() async throws {
        try await withServer { _, api in
            let body = "{" + (0..<1_500).map { #""k\#($0)":0"# }.joined(separator: ",") + "}"
            let reply = try await api.send(.post, "/v1/keys", body: body)
            #expect(reply.status == .badRequest)
            #expect(reply.errorFields == ["body"])
            #expect(reply.text.contains("at most \(JSONParser.Limits.request.maxObjectMembers) members"))

            let unknown = "{" + (0..<500).map { #""k\#($0)":0"# }.joined(separator: ",") + "}"
            let listed = try await api.send(.post, "/v1/keys", body: unknown)
            #expect(listed.status == .badRequest)
            #expect(listed.errorFields.count == AuditTrailError.maxFieldErrors)
        }
    }
}

/// Issue 12, finding 4: no `q` makes the server answer 500; the search language's limits answer
/// 400 naming the limit, for a viewer as for anyone.
@Suite struct SearchLimitRouteTests {
    static func query(_ q: String) -> String {
        "/v1/events?q=" + q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    @Test func stackedNegationsAreNormalisedForAViewer() async throws {
        try await withServer { _, api in
            try await api.ingest(#"{"action":"doc.view","actor":{"id":"u-1"},"description":"payroll"}"#)
            let viewer = try await api.createKey(role: "viewer", subject: "u-1")
            let even = try await api.send(.get, Self.query(String(repeating: "-", count: 600) + "payroll"), key: viewer.secret)
            #expect(even.status == .ok)
            #expect(even.json["events"]?.arrayValue?.count == 1)
            let odd = try await api.send(.get, Self.query(String(repeating: "-", count: 601) + "payroll"), key: viewer.secret)
            #expect(odd.status == .ok)
            #expect(odd.json["events"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func searchPastALimitAnswers400NamingItForAViewer() async throws {
        try await withServer { _, api in
            let viewer = try await api.createKey(role: "viewer", subject: "u-1")
            let cases = [
                ((0...AuditSearchParser.maximumTerms).map { "w\($0)" }.joined(separator: " "), "more than \(AuditSearchParser.maximumTerms) terms"),
                (
                    String(repeating: "(", count: AuditSearchParser.maximumNesting + 1) + "a"
                        + String(repeating: ")", count: AuditSearchParser.maximumNesting + 1),
                    "more than \(AuditSearchParser.maximumNesting) nested parentheses"
                ),
                (String(repeating: "-", count: 100_000) + "a", "at most \(AuditSearchParser.maximumLength) characters"),
            ]
            for (q, rule) in cases {
                let reply = try await api.send(.get, Self.query(q), key: viewer.secret)
                #expect(reply.status == .badRequest)
                #expect(reply.errorFields == ["q"])
                #expect(reply.text.contains(rule))
            }
        }
    }
}
