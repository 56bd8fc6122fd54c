import AuditTrail
import Testing

extension AuditStoreConformance {
    /// Compares the store's answer to the reference matcher for `query`, in both orders and with
    /// small pages; the expected set must be neither empty nor everything, so the check can fail.
    func expectSame(
        _ label: String,
        _ query: AuditQuery,
        _ events: [AuditEvent],
        _ store: Store,
        allowEverything: Bool = false
    ) async throws {
        let expected = events.filter { AuditReferenceMatcher.matches(query, $0) }.map(\.seq)
        #expect(!expected.isEmpty, "\(label): the data set has no match, so this proves nothing")
        #expect(allowEverything || expected.count < events.count, "\(label): everything matches, so this proves nothing")
        var desc = query
        desc.limit = 1000
        desc.order = .desc
        let got = try await collect(desc, from: store).map(\.seq)
        expectEqual(got, expected.reversed(), "\(label): desc")
        var asc = query
        asc.limit = 37
        asc.order = .asc
        let gotAsc = try await collect(asc, from: store).map(\.seq)
        expectEqual(gotAsc, expected, "\(label): asc in pages of 37")
    }

    /// Reports a mismatch by the seqs missing and extra, not two long lists.
    func expectEqual(
        _ got: [Int64],
        _ expected: [Int64],
        _ label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard got != expected else { return }
        let missing = Set(expected).subtracting(got).sorted()
        let extra = Set(got).subtracting(expected).sorted()
        let order = missing.isEmpty && extra.isEmpty ? ", wrong order" : ""
        let text = "\(label): \(got.count) seqs instead of \(expected.count); missing \(missing.prefix(12)), extra \(extra.prefix(12))\(order)"
        Issue.record(Comment(rawValue: text), sourceLocation: sourceLocation)
    }

    func filters(_ store: Store) async throws {
        let events = try await loadDataSet(store)
        let base = AuditFixtures.baseTime
        let anIP = try #require(events.compactMap { $0.actor?.ip }.first { $0.contains(".") })
        let anIPv6 = try #require(events.compactMap { $0.actor?.ip }.first { $0.contains(":") })
        let correlations = events.compactMap { $0.request?.correlationID }
        let correlation = try #require(correlations.count > 3 ? correlations[3] : nil)
        var cases: [(String, AuditQuery)] = []
        func add(_ label: String, _ edit: (inout AuditQuery) -> Void) {
            var query = AuditQuery()
            edit(&query)
            cases.append((label, query))
        }
        add("action exact") { $0.action = .exact("user.login") }
        add("action prefix") { $0.action = .prefix("user.") }
        add("action prefix without dot") { $0.action = .prefix("data.") }
        add("action prefix of a word") { $0.action = .prefix("auth") }
        add("category") { $0.category = "authentication" }
        add("actor") { $0.actor = "u-3" }
        add("actor_name") { $0.actorName = "carol" }
        add("resource_type") { $0.resourceType = "invoice" }
        add("resource_id") { $0.resourceID = "7" }
        add("resource type and id") {
            $0.resourceType = "document"
            $0.resourceID = "12"
        }
        add("outcome failure") { $0.outcome = .failure }
        add("outcome denied") { $0.outcome = .denied }
        add("severity") { $0.severity = .warning }
        add("min_severity") { $0.minSeverity = .error }
        add("ip v4 block") { $0.ip = AuditCIDR("10.0.0.0/8") }
        add("ip v4 /24") { $0.ip = AuditCIDR("203.0.113.0/24") }
        add("ip exact") { $0.ip = AuditCIDR(anIP) }
        add("ip v6 block") { $0.ip = AuditCIDR("2001:db8::/32") }
        add("ip v6 exact") { $0.ip = AuditCIDR(anIPv6) }
        add("correlation_id") { $0.correlationID = correlation }
        add("tag") { $0.tag = "prod" }
        add("since") { $0.since = base.adding(milliseconds: 3 * 3_600_000) }
        add("until") { $0.until = base.adding(milliseconds: 2 * 3_600_000) }
        add("since and until at event times") {
            $0.since = events[100].time
            $0.until = events[300].time
        }
        add("since and until") {
            $0.since = base.adding(milliseconds: 3_600_000)
            $0.until = base.adding(milliseconds: 2 * 3_600_000)
        }
        add("viewer restriction") { $0.visibleActor = "u-5" }
        add("viewer restriction ANDed") {
            $0.visibleActor = "u-5"
            $0.actor = "u-6"
        }
        add("viewer restriction with search") {
            $0.visibleActor = "u-5"
            $0.search = .or([.term(.actor("u-6")), .term(.outcome(.success))])
        }
        add("combined") {
            $0.action = .prefix("user.")
            $0.outcome = .success
            $0.minSeverity = .info
            $0.tag = "prod"
        }
        for (label, query) in cases where label != "viewer restriction ANDed" {
            try await expectSame(label, query, events, store)
        }
        var disjoint = AuditQuery()
        disjoint.visibleActor = "u-5"
        disjoint.actor = "u-6"
        #expect(try await store.events(matching: disjoint).events.isEmpty, "a viewer never sees another actor's events")
        var none = AuditQuery()
        none.action = .exact("no.such_action")
        let empty = try await store.events(matching: none)
        #expect(empty.events.isEmpty)
        #expect(empty.nextCursor == nil)
        try await expectSame("no filter", AuditQuery(), events, store, allowEverything: true)
    }

    func searchLanguage(_ store: Store) async throws {
        let events = try await loadDataSet(store)
        let expressions = [
            "action:user.login", "action:data.*", "category:data", "actor:u-5", "actor.id:u-5", "actor.name:alice",
            "actor.type:service", "resource.type:document", "resource.id:12", "outcome:denied", "severity:>=warning",
            "severity:<info", "severity:error", "time:>=2026-01-05T03:00:00Z", "time:<2026-01-05T01:30:00Z",
            "ip:10.0.0.0/8", "ip:2001:db8::/32", "tag:billing", "compliance:GDPR", "correlation_id:corr-7",
            "country:de", "risk:>=50", "risk:<10", "risk:=40", "payroll", "\"quarterly report\"", "ZÜRICH", "PRO", "quarter*", "\"touched the\"",
            "-\"hunter2\"", "-actor:u-5", "-outcome:success", "-tag:prod", "-risk:>=50", "-payroll", "-ip:10.0.0.0/8",
            "outcome:failure OR outcome:denied", "(action:user.* OR action:authz.*) -outcome:success",
            "actor:u-1 OR actor:u-2 OR payroll", "-(country:DE OR country:FR) risk:>20",
            "action:user.* -(-outcome:failure)", "tag:prod compliance:SOC2 -severity:debug",
        ]
        for text in expressions {
            var query = AuditQuery()
            query.search = try AuditSearchParser.parse(text)
            let allowEverything = text == "-\"hunter2\""
            try await expectSame("q=\(text)", query, events, store, allowEverything: allowEverything)
        }
        var secret = AuditQuery()
        secret.search = try AuditSearchParser.parse("hunter2")
        #expect(try await store.events(matching: secret).events.isEmpty, "redacted secrets are not searchable")
    }

    func pagination(_ store: Store) async throws {
        try await append(AuditFixtures.events(count: 250, seed: 77), to: store)
        for order in AuditQuery.Order.allCases {
            for filtered in [false, true] {
                let before = try await store.head().seq
                var query = AuditQuery()
                query.order = order
                query.limit = 40
                if filtered { query.outcome = .success }
                var seen: [Int64] = []
                var extra = 0
                while true {
                    let page = try await store.events(matching: query)
                    #expect(page.events.count <= 40)
                    seen += page.events.map(\.seq)
                    try await append(AuditFixtures.events(count: 7, seed: 78, start: extra * 7), to: store)
                    extra += 1
                    guard let next = page.nextCursor else { break }
                    query.cursor = next
                }
                #expect(Set(seen).count == seen.count, "\(order) filtered=\(filtered): no duplicates")
                let all = try await allEvents(store)
                let matching = all.filter { !filtered || $0.outcome == .success }.map(\.seq)
                if order == .desc {
                    #expect(seen == matching.filter { $0 <= before }.reversed(), "desc pages are exactly the snapshot")
                } else {
                    #expect(seen == Array(matching.prefix(seen.count)), "asc pages have no gaps")
                    #expect(seen.last ?? 0 >= matching.filter { $0 <= before }.last ?? 0, "asc pages reach the snapshot's end")
                }
            }
        }
    }

    func following(_ store: Store) async throws {
        try await append(AuditFixtures.events(count: 120, seed: 91), to: store)
        for filtered in [false, true] {
            var query = AuditQuery()
            if filtered { query.outcome = .failure }
            let start = try await store.head().seq - 90
            var follower = AuditFollower(store: store, query: query, after: start, pageSize: 25)
            var seen: [Int64] = []
            var caughtUp = 0
            for round in 0..<40 {
                let read = try await follower.next()
                #expect(read.events.count <= 25)
                #expect(read.events.allSatisfy { $0.seq <= read.head })
                seen += read.events.map(\.seq)
                if read.caughtUp {
                    #expect(follower.position == read.head, "caught up: the position is the head read")
                    caughtUp += 1
                }
                if round.isMultiple(of: 3) { try await append(AuditFixtures.events(count: 11, seed: 92, start: round * 11), to: store) }
            }
            while true {
                let read = try await follower.next()
                seen += read.events.map(\.seq)
                if read.caughtUp, read.events.isEmpty { break }
            }
            let expected = try await allEvents(store).filter { $0.seq > start && (!filtered || $0.outcome == .failure) }.map(\.seq)
            #expect(seen == expected, "filtered=\(filtered): every match once, in order")
            #expect(caughtUp > 0)
            #expect(try await follower.next().events.isEmpty)
        }
    }
}
