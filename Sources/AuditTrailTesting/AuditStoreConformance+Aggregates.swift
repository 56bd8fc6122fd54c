import AuditTrail
import Testing

extension AuditStoreConformance {
    func stats(_ store: Store) async throws {
        let empty = try await store.stats(matching: AuditQuery(), bucket: .hour)
        #expect(empty == AuditStats())
        let events = try await loadDataSet(store)
        var queries: [(String, AuditQuery)] = [("everything", AuditQuery())]
        var users = AuditQuery()
        users.action = .prefix("user.")
        queries.append(("user.*", users))
        var failures = AuditQuery()
        failures.search = try AuditSearchParser.parse("-outcome:success")
        failures.since = AuditFixtures.baseTime.adding(milliseconds: 3_600_000)
        queries.append(("not success, since", failures))
        var paged = AuditQuery()
        paged.limit = 3
        paged.order = .asc
        paged.cursor = AuditCursor(afterSeq: 500)
        queries.append(("paging is ignored", paged))
        for (label, query) in queries {
            let matching = events.filter { AuditReferenceMatcher.matches(query, $0) }
            for bucket in AuditStats.Bucket.allCases {
                let got = try await store.stats(matching: query, bucket: bucket)
                let expected = AuditReferenceMatcher.stats(matching, bucket: bucket)
                #expect(got == expected, "\(label), \(bucket)")
                #expect(got.histogram.map(\.count).reduce(0, +) == got.total)
                #expect(got.histogram.allSatisfy { $0.start.milliseconds % bucket.milliseconds == 0 })
            }
        }
        // group_by every field with top-N, and the adaptive bucket.
        for (index, field) in AuditStats.GroupField.allCases.enumerated() {
            let (label, query) = queries[index % 3]
            let request = AuditStatsRequest(query: query, groupBy: field, top: 1 + index % 4)
            let got = try await store.stats(request)
            let expected = AuditReferenceMatcher.stats(events.filter { AuditReferenceMatcher.matches(query, $0) }, request)
            #expect(got == expected, "\(label), group_by \(field.rawValue)")
        }
        let day = try await store.stats(matching: AuditQuery(), bucket: .day)
        #expect(day.histogram.count >= 1)
        #expect(day.histogram.first?.start == AuditFixtures.baseTime, "day bins start at UTC midnight")
        #expect(day.failures > 0 && day.denied > 0 && day.uniqueActors > 10)
    }

    func seenActions(_ store: Store) async throws {
        #expect(try await store.seenActions().isEmpty)
        let events = try await loadDataSet(store)
        var expected: [String: Int64] = [:]
        for event in events { expected[event.action, default: 0] += 1 }
        #expect(try await store.seenActions() == expected)
        let resend = AuditFixtures.fullyPopulated()
        let again = try await append([resend], to: store)
        #expect(again.map(\.created) == [false])
        #expect(try await store.seenActions() == expected, "re-sends are not counted")
        try await append([AuditEventInput(action: "custom.thing_done")], to: store)
        expected["custom.thing_done"] = 1
        #expect(try await store.seenActions() == expected)
        // Paged in byte order, `after` exclusive, every action once.
        let ordered = expected.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var paged: [AuditStats.Group] = []
        var after: String?
        while true {
            let page = try await store.seenActions(after: after, limit: 2)
            #expect(page.count <= 2)
            paged += page
            guard page.count == 2, let last = page.last else { break }
            after = last.value
        }
        #expect(paged.map(\.value) == ordered)
        #expect(paged.map(\.count) == ordered.map { expected[$0]! })
        #expect(try await store.seenActions(after: ordered.last, limit: 10).isEmpty)
    }

    func keys(_ store: Store) async throws {
        #expect(try await store.keys().isEmpty)
        let now = AuditTime(milliseconds: 1_767_571_200_000)
        let (admin, adminSecret) = try AuditAPIKey.generate(name: "ops", role: .admin, now: now)
        let (writer, writerSecret) = try AuditAPIKey.generate(name: "ingest", role: .writer, now: now.adding(milliseconds: 1))
        let (viewer, viewerSecret) = try AuditAPIKey.generate(
            name: "alice's view",
            role: .viewer,
            subject: "u-123",
            now: now.adding(milliseconds: 2)
        )
        for (key, secret) in [(admin, adminSecret), (writer, writerSecret), (viewer, viewerSecret)] {
            try await store.insertKey(key, secretHash: AuditAPIKey.hash(secret: secret))
        }
        #expect(try await store.keys() == [admin, writer, viewer])
        #expect(try await store.key(secretHash: AuditAPIKey.hash(secret: viewerSecret)) == viewer)
        #expect(try await store.key(secretHash: AuditAPIKey.hash(secret: "atk_wrong")) == nil)
        await #expect(throws: (any Error).self, "the same key id twice") {
            try await store.insertKey(admin, secretHash: AuditAPIKey.hash(secret: "atk_other"))
        }
        await #expect(throws: (any Error).self, "the same secret twice") {
            var copy = writer
            copy.id = "key_copy"
            try await store.insertKey(copy, secretHash: AuditAPIKey.hash(secret: writerSecret))
        }

        let revokedAt = now.adding(milliseconds: 60_000)
        #expect(try await store.revokeKey(id: writer.id, at: revokedAt))
        #expect(try await store.revokeKey(id: writer.id, at: revokedAt.adding(milliseconds: 1)) == false)
        #expect(try await store.revokeKey(id: "key_missing", at: revokedAt) == false)
        #expect(try await store.key(secretHash: AuditAPIKey.hash(secret: writerSecret)) == nil)
        #expect(try await store.key(secretHash: AuditAPIKey.hash(secret: adminSecret)) == admin)
        var revoked = writer
        revoked.revokedAt = revokedAt
        #expect(try await store.keys() == [admin, revoked, viewer])
    }
}
