import AuditTrail
import AuditTrailTesting
import Testing

/// The index's answers equal the definition (``AuditEventMatcher`` over every decoded event) for
/// the API's filters and the search language — fixed cases and random queries over a log whose
/// seqs cross chunk boundaries, in both orders, in pages of every size, with events arriving
/// while a client pages.
@Suite("AuditIndexSearch")
struct AuditIndexSearchTests {
    /// A log of fixture events at seqs that straddle three chunk boundaries, with gaps.
    struct Log {
        var events: [AuditEvent] = []
        var stored: [Int64: AuditStoredEvent] = [:]
        var index: AuditMemoryIndex
        var nextInput = 0

        init(count: Int, shift: Int = 16) throws {
            index = AuditMemoryIndex(geometry: AuditIndexGeometry(shift: shift))
            try append(count: count)
        }

        mutating func append(count: Int) throws {
            let validator = AuditEventValidator()
            for _ in 0..<count {
                let n = nextInput
                nextInput += 1
                // 65,400… crosses into chunk 1; 131,000… (every 3rd) into chunk 2; then sparse.
                let seq: Int64 =
                    n < 200 ? 65_400 + Int64(n) : n < 400 ? 131_000 + Int64(n - 200) * 3 : 300_000 + Int64(n) * 7
                let prepared = try validator.prepare(AuditFixtures.event(seed: 3, index: n), receivedAt: AuditFixtures.baseTime)
                let canonical = prepared.parts.assemble(seq: seq, receivedAt: AuditFixtures.baseTime)
                let event = try AuditEvent(canonical: canonical)
                let hash = AuditMerkle.leafHash(canonical)
                stored[seq] = AuditStoredEvent(seq: seq, id: event.id, canonical: canonical, hash: hash)
                events.append(event)
                index.add(seq: seq, event: event)
            }
        }

        func fetch(_ seqs: [Int64]) -> [AuditStoredEvent] { seqs.compactMap { stored[$0] } }

        func expected(_ query: AuditQuery) -> [Int64] {
            events.filter { AuditEventMatcher.matches(query, $0) }.map(\.seq)
        }

        /// Every page of `query` in `order`, `limit` at a time.
        func collect(_ query: AuditQuery, order: AuditQuery.Order, limit: Int) async throws -> [Int64] {
            var query = query
            query.order = order
            query.limit = limit
            var seqs: [Int64] = []
            for _ in 0..<10_000 {
                let page = try await AuditIndexSearch.page(query, in: index) { fetch($0) }
                #expect(page.events.count <= limit)
                seqs += page.events.map(\.seq)
                guard let next = page.nextCursor else { return seqs }
                query.cursor = next
            }
            Issue.record("paging never ended")
            return seqs
        }
    }

    func check(_ label: String, _ query: AuditQuery, _ log: Log, limits: [Int] = [1000, 7]) async throws {
        let expected = log.expected(query)
        for limit in limits {
            let desc = try await log.collect(query, order: .desc, limit: limit)
            Self.expectEqual(desc, expected.reversed(), "\(label) desc/\(limit)")
            let asc = try await log.collect(query, order: .asc, limit: limit)
            Self.expectEqual(asc, expected, "\(label) asc/\(limit)")
        }
    }

    /// Reports a mismatch by the seqs missing and extra, not two long lists.
    static func expectEqual(_ got: [Int64], _ expected: [Int64], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard got != expected else { return }
        let missing = Set(expected).subtracting(got).sorted()
        let extra = Set(got).subtracting(expected).sorted()
        let order = missing.isEmpty && extra.isEmpty ? ", wrong order" : ""
        let text = "\(label): \(got.count) seqs instead of \(expected.count); missing \(missing.prefix(12)), extra \(extra.prefix(12))\(order)"
        Issue.record(Comment(rawValue: text), sourceLocation: sourceLocation)
    }

    static let expressions = [
        "action:user.login", "action:data.*", "action:auth*", "category:data", "actor:u-5", "actor.name:alice",
        "actor.type:service", "resource.type:document", "resource.id:12", "outcome:denied", "severity:>=warning",
        "severity:<info", "severity:error", "time:>=2026-01-05T03:00:00Z", "time:<2026-01-05T01:30:00Z",
        "ip:10.0.0.0/8", "ip:2001:db8::/32", "ip:10.0.0.0/13", "ip:0.0.0.0/0",
        "tag:billing", "compliance:GDPR", "correlation_id:corr-7", "country:de", "risk:>=50", "risk:<10", "risk:=40",
        "payroll", "\"quarterly report\"", "\"report quarterly\"", "ZÜRICH", "zurich", "quarter*", "\"touched the\"",
        "\"the quarterly\"", "rot*", "touched qu*", "\"touched the qu*\"", "alice touched", "-\"quarterly report\"", "-actor:u-5",
        "-outcome:success", "-tag:prod", "-risk:>=50", "-payroll", "-ip:10.0.0.0/8", "outcome:failure OR outcome:denied",
        "(action:user.* OR action:authz.*) -outcome:success", "actor:u-1 OR actor:u-2 OR payroll",
        "-(country:DE OR country:FR) risk:>20", "action:user.* -(-outcome:failure)", "tag:prod compliance:SOC2 -severity:debug",
        "\"berlin office\" OR -\"touched the\"", "pro", "enterprise -\"quarterly report\" seats", "plan",
    ]

    /// Chunks of 65,536 seqs (three boundaries crossed) and of 32 (dozens crossed).
    @Test(arguments: [16, 5])
    func theSearchLanguageAgreesWithTheDefinition(shift: Int) async throws {
        let log = try Log(count: 900, shift: shift)
        var decisive = 0
        for text in Self.expressions {
            var query = AuditQuery()
            query.search = try AuditSearchParser.parse(text)
            let count = log.expected(query).count
            if count > 0, count < log.events.count { decisive += 1 }
            try await check("q=\(text)", query, log)
        }
        // Words out of order, a quoted `*` (literal, not a prefix) and a metadata key (not a value)
        // match nothing.
        #expect(decisive == Self.expressions.count - 4, "\(decisive) of \(Self.expressions.count) expressions tell answers apart")
    }

    @Test(arguments: [16, 5])
    func everyFilterAgreesWithTheDefinition(shift: Int) async throws {
        let log = try Log(count: 900, shift: shift)
        let base = AuditFixtures.baseTime
        var cases: [(String, AuditQuery)] = []
        func add(_ label: String, _ edit: (inout AuditQuery) -> Void) {
            var query = AuditQuery()
            edit(&query)
            cases.append((label, query))
        }
        add("nothing") { _ in }
        add("action") { $0.action = .exact("user.login") }
        add("action prefix") { $0.action = .prefix("data.") }
        add("action prefix of everything") { $0.action = .prefix("") }
        add("category") { $0.category = "authentication" }
        add("actor") { $0.actor = "u-3" }
        add("actor name") { $0.actorName = "carol" }
        add("resource") {
            $0.resourceType = "document"
            $0.resourceID = "12"
        }
        add("outcome") { $0.outcome = .failure }
        add("severity") { $0.severity = .warning }
        add("min severity") { $0.minSeverity = .error }
        add("ip") { $0.ip = AuditCIDR("203.0.113.0/24") }
        add("correlation") { $0.correlationID = "corr-3" }
        add("tag") { $0.tag = "prod" }
        add("since") { $0.since = base.adding(milliseconds: 3 * 3_600_000) }
        add("until") { $0.until = base.adding(milliseconds: 2 * 3_600_000) }
        add("since and until at event times") {
            $0.since = log.events[100].time
            $0.until = log.events[700].time
        }
        add("time equal to an event's") { $0.search = .term(.time(.equal, log.events[5].time)) }
        add("viewer") { $0.visibleActor = "u-5" }
        add("viewer and another actor") {
            $0.visibleActor = "u-5"
            $0.actor = "u-6"
        }
        add("combined") {
            $0.action = .prefix("user.")
            $0.outcome = .success
            $0.minSeverity = .info
            $0.tag = "prod"
            $0.search = try? AuditSearchParser.parse("-payroll")
        }
        for (label, query) in cases { try await check(label, query, log) }
    }

    /// Random queries: each filter with some chance, and a random search expression.
    @Test(arguments: [16, 5])
    func randomQueriesAgreeWithTheDefinition(shift: Int) async throws {
        let log = try Log(count: 700, shift: shift)
        var random = SplitMix64(seed: 99)
        let atoms = Self.expressions.filter { !$0.contains(" ") && !$0.hasPrefix("-") }
        func expression(_ depth: Int) -> String {
            switch depth > 2 ? 0 : random.below(5) {
            case 0, 1: return atoms[random.below(atoms.count)]
            case 2: return "-" + (random.below(2) == 0 ? atoms[random.below(atoms.count)] : "(" + expression(depth + 1) + ")")
            case 3: return "(" + expression(depth + 1) + " OR " + expression(depth + 1) + ")"
            default: return expression(depth + 1) + " " + expression(depth + 1)
            }
        }
        for round in 0..<60 {
            var query = AuditQuery()
            if random.below(3) == 0 { query.action = random.below(2) == 0 ? .exact("data.read") : .prefix("user.") }
            if random.below(4) == 0 { query.outcome = [.success, .failure, .denied][random.below(3)] }
            if random.below(4) == 0 { query.actor = "u-\(random.below(40))" }
            if random.below(5) == 0 { query.minSeverity = AuditSeverity.allCases[random.below(5)] }
            if random.below(5) == 0 { query.since = log.events[random.below(log.events.count)].time }
            if random.below(2) == 0 { query.search = try AuditSearchParser.parse(expression(0)) }
            try await check("random \(round): \(query)", query, log, limits: [1000, 1 + random.below(40)])
        }
    }

    /// New events during paging: newest-first pages continue below the cursor and never repeat or
    /// skip; oldest-first pages reach the new events at the end.
    @Test(arguments: [16, 3])
    func eventsArrivingWhileAClientPagesAreNeitherRepeatedNorSkipped(shift: Int) async throws {
        var log = try Log(count: 500, shift: shift)
        var query = AuditQuery()
        query.search = try AuditSearchParser.parse("-outcome:success OR payroll")
        for order in [AuditQuery.Order.desc, .asc] {
            var paging = query
            paging.order = order
            paging.limit = 9
            let before = log.expected(query)
            var seqs: [Int64] = []
            var rounds = 0
            while true {
                let page = try await AuditIndexSearch.page(paging, in: log.index) { log.fetch($0) }
                seqs += page.events.map(\.seq)
                guard let next = page.nextCursor else { break }
                paging.cursor = next
                rounds += 1
                if rounds % 3 == 0 { try log.append(count: 40) }
            }
            if order == .desc {
                Self.expectEqual(seqs, before.reversed(), "desc")
            } else {
                Self.expectEqual(seqs, log.expected(query), "asc")
                #expect(seqs.count > before.count)
            }
        }
    }

    /// Stats from the index equal a recount of the matching events: time-only queries (chunks
    /// covered whole are added from their rollups, the others counted from sets), filtered ones,
    /// every `group_by` field, every bucket.
    @Test(arguments: [16, 5])
    func statsFromRollupsAndSetsEqualARecount(shift: Int) async throws {
        let log = try Log(count: 900, shift: shift)
        var queries: [(String, AuditQuery)] = [("everything", AuditQuery())]
        var since = AuditQuery()
        since.since = log.events[300].time
        queries.append(("since", since))
        var range = since
        range.until = log.events[650].time
        queries.append(("since and until", range))
        var filtered = range
        filtered.search = try AuditSearchParser.parse("-outcome:success OR payroll")
        queries.append(("filtered", filtered))
        var phrase = AuditQuery()
        phrase.search = try AuditSearchParser.parse("\"quarterly report\"")
        queries.append(("phrase", phrase))
        var rounds = 0
        for (label, query) in queries {
            let matching = log.events.filter { AuditEventMatcher.matches(query, $0) }
            #expect(!matching.isEmpty, "\(label) matches nothing")
            for bucket in [nil] + AuditStats.Bucket.allCases.map(Optional.some) {
                for field in [nil] + AuditStats.GroupField.allCases.map(Optional.some) where bucket == nil || field == nil {
                    let request = AuditStatsRequest(query: query, bucket: bucket, groupBy: field, top: 3 + rounds % 5)
                    rounds += 1
                    let got = try await AuditIndexSearch.stats(request, in: log.index) { log.fetch($0) }
                    let expected = AuditReferenceMatcher.stats(matching, request)
                    #expect(got == expected, "\(label), bucket \(bucket?.rawValue ?? "auto"), group_by \(field?.rawValue ?? "none")")
                    if let field { #expect(got.groupCount > 0 && !got.groups.isEmpty, "\(label): no \(field.rawValue) groups") }
                }
            }
        }
    }

    @Test func aRollupsStoredFormRoundTripsAndDamagedBytesAreRefused() throws {
        let log = try Log(count: 300, shift: 16)
        guard let index = log.index.chunks[0] else {
            Issue.record("no chunk 0")
            return
        }
        let rollup = index.rollup
        #expect(rollup.events == Int64(index.present.count) && !rollup.actors.isEmpty && !rollup.minutes.isEmpty)
        #expect(rollup.minutes.map(\.count).reduce(0, +) == rollup.events)
        let bytes = rollup.serialized
        #expect(AuditChunkRollup(serialized: bytes) == rollup)
        #expect(AuditChunkRollup(serialized: bytes)?.serialized == bytes)
        #expect(AuditChunkRollup(serialized: []) == nil)
        #expect(AuditChunkRollup(serialized: bytes.dropLast()) == nil, "cut short")
        #expect(AuditChunkRollup(serialized: bytes + [0]) == nil, "a byte left over")
        var version = bytes
        version[0] = 2
        #expect(AuditChunkRollup(serialized: version) == nil, "an unknown version")
        for cut in stride(from: 1, to: bytes.count, by: max(1, bytes.count / 97)) {
            _ = AuditChunkRollup(serialized: bytes.prefix(cut))  // never traps
        }
        #expect(AuditChunkRollup.actorHash("u-1") == AuditChunkRollup.actorHash("u-1"))
        #expect(AuditChunkRollup.actorHash("u-1") != AuditChunkRollup.actorHash("u-2"))
        #expect(AuditChunkRollup.actorHash("u-1") == 0x2e9d_b84d_05a7_8d5f, "stored rollups need the same hash in every release")
    }

    @Test func aPrefixThatMatchesTooManyWordsIsRefusedNamingQ() async throws {
        var index = AuditMemoryIndex()
        for n in 0..<(AuditIndexPlan.prefixLimit + 1) {
            var event = try AuditEvent(
                canonical: AuditEventValidator().prepare(AuditEventInput(action: "a.b", description: "w\(n)"), receivedAt: AuditFixtures.baseTime)
                    .parts.assemble(seq: Int64(n + 1), receivedAt: AuditFixtures.baseTime)
            )
            event.seq = Int64(n + 1)
            index.add(seq: event.seq, event: event)
        }
        var query = AuditQuery()
        query.search = try AuditSearchParser.parse("w*")
        await #expect(throws: AuditTrailError.self) { _ = try await AuditIndexSearch.page(query, in: index) { _ in [] } }
        do {
            _ = try await AuditIndexSearch.page(query, in: index) { _ in [] }
        } catch let error as AuditTrailError {
            #expect(error.fieldErrors.first?.field == "q" && error.fieldErrors.first?.message.contains("give more letters") == true)
        }
        query.search = try AuditSearchParser.parse("w1*")
        let page = try await AuditIndexSearch.page(query, in: index) { seqs in
            seqs.map { AuditStoredEvent(seq: $0, id: "x", canonical: [], hash: .zero) }
        }
        #expect(page.events.count == 100 && page.nextCursor != nil)  // w1, w10…w19, w100…w199, w1000
    }
}
