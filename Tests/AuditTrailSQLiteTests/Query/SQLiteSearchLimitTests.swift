import AuditTrail
import AuditTrailTesting
import Testing

@testable import AuditTrailSQLite

/// Issue 12, finding 4: the largest searches the language allows — the most terms, the deepest
/// nesting, the longest text, negations stacked — run on the real SQLite store and agree with the
/// definition (``AuditEventMatcher``); none fails.
@Suite struct SQLiteSearchLimitTests {
    static var largestSearches: [String] {
        let terms = AuditSearchParser.maximumTerms
        let nesting = AuditSearchParser.maximumNesting
        let fields = ["action:user.*", "actor:u-4", "ip:10.0.0.0/8", "quarter*", "severity:>=info", "risk:>=0", "-outcome:success", "tag:billing"]
        return [
            (0..<terms).map { fields[$0 % fields.count] }.joined(separator: " OR "),
            (0..<terms).map { "-" + fields[$0 % fields.count] }.joined(separator: " "),
            String(repeating: "-(action:user.* OR ", count: nesting) + "-quarter*" + String(repeating: ")", count: nesting),
            String(repeating: "-", count: AuditSearchParser.maximumLength - "payroll".count) + "payroll",
            String(repeating: "(", count: nesting) + (0..<terms).map { fields[$0 % fields.count] }.joined(separator: " ")
                + String(repeating: ")", count: nesting),
        ]
    }

    @Test func largestAllowedSearchesRunOnTheSQLiteStore() async throws {
        try await withTemporaryStore { store, _ in
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 300, seed: 12)))
            var events: [AuditEvent] = []
            for row in try await store.rows(after: 0, limit: 1000) { events.append(try row.decoded()) }
            for text in Self.largestSearches {
                #expect(text.utf8.count <= AuditSearchParser.maximumLength)
                var query = AuditQuery()
                query.search = try AuditSearchParser.parse(text)
                query.limit = AuditQuery.maximumLimit
                let expected = events.filter { AuditEventMatcher.matches(query, $0) }.map(\.seq)
                let got = try await store.events(matching: query).events.map(\.seq)
                #expect(got == expected.reversed(), "\(text.prefix(60))…")
                _ = try await store.stats(matching: query, bucket: .hour)
            }
        }
    }
}
