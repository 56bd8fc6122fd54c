import AuditTrail
import Testing

extension AuditStoreConformance {
    func fieldsRoundTrip(_ store: Store) async throws {
        let prepared = try validator.prepare(AuditFixtures.fullyPopulated())
        let results = try await store.append([prepared])
        let result = try #require(results.first)
        #expect(results.count == 1)
        #expect(result.created)
        #expect(result.seq == 1)
        #expect(result.id == prepared.event.id)
        var expected = prepared.event
        expected.seq = result.seq
        expected.receivedAt = result.receivedAt
        expected.hash = result.hash.hex
        #expect(!expected.redacted.isEmpty, "the fixture has secrets, so redaction paths are part of the round trip")

        let stored = try #require(try await store.event(id: prepared.event.id))
        #expect(stored.seq == result.seq)
        #expect(stored.hash == result.hash)
        #expect(stored.canonical == prepared.parts.assemble(seq: result.seq, receivedAt: result.receivedAt))
        #expect(try stored.decoded() == expected)
        #expect(AuditChain.next(previous: AuditChain.genesis, leaf: AuditMerkle.leafHash(stored.canonical)) == stored.hash)
        let response = try JSONParser.parse(stored.responseJSON)
        #expect(response["hash"]?.stringValue == result.hash.hex)

        var query = AuditQuery()
        query.actor = "u-123"
        let page = try await store.events(matching: query)
        #expect(page.events == [stored])
        #expect(page.nextCursor == nil)
        #expect(try await store.event(id: "00000000-0000-4000-8000-000000000000") == nil)

        let plain = try validator.prepare(AuditEventInput(action: "user.logout"))
        let second = try #require(try await store.append([plain]).first)
        let minimal = try #require(try await store.event(id: second.id))
        var expectedMinimal = plain.event
        expectedMinimal.seq = 2
        expectedMinimal.receivedAt = second.receivedAt
        expectedMinimal.hash = second.hash.hex
        #expect(try minimal.decoded() == expectedMinimal)
        #expect(second.receivedAt >= result.receivedAt)
    }

    func sequenceAndChain(_ store: Store) async throws {
        #expect(try await store.head() == AuditChainHead(seq: 0, hash: AuditChain.genesis))
        #expect(try await store.chainStart() == AuditChainHead(seq: 0, hash: AuditChain.genesis))
        #expect(try await store.rows(after: 0, limit: 10).isEmpty)
        var results: [AuditAppendResult] = []
        for (index, size) in [1, 7, 120, 3].enumerated() {
            results += try await append(AuditFixtures.events(count: size, seed: UInt64(index + 1)), to: store)
        }
        #expect(results.map(\.seq) == Array(1...131))
        #expect(zip(results, results.dropFirst()).allSatisfy { $0.receivedAt <= $1.receivedAt })
        let prepared = (0..<8).map { task in AuditFixtures.events(count: 25, seed: 100 + UInt64(task)) }
        let concurrent = try await withThrowingTaskGroup(of: [AuditAppendResult].self) { group in
            for inputs in prepared {
                let batch = try AuditFixtures.prepare(inputs, validator: validator)
                group.addTask { try await store.append(batch) }
            }
            var all: [AuditAppendResult] = []
            for try await batch in group {
                #expect(zip(batch, batch.dropFirst()).allSatisfy { $0.seq + 1 == $1.seq }, "a batch gets consecutive seqs")
                all += batch
            }
            return all
        }
        #expect(concurrent.map(\.seq).sorted() == Array(132...331))
        let head = try await store.head()
        let last = try #require(concurrent.max { $0.seq < $1.seq })
        #expect(head == AuditChainHead(seq: 331, hash: last.hash))

        var verifier = AuditChainVerifier(start: try await store.chainStart())
        var after: Int64 = 0
        while true {
            let rows = try await store.rows(after: after, limit: 50)
            guard let lastRow = rows.last else { break }
            #expect(rows.count <= 50)
            for row in rows {
                let problem = verifier.check(row)
                #expect(problem == nil, "chain breaks at seq \(row.seq)")
            }
            after = lastRow.seq
        }
        #expect(verifier.checked == 331)
        #expect(verifier.head == head)
        let verification = try await store.verifyChain(pageSize: 64)
        #expect(verification.ok)
        #expect(verification.checked == 331)
        #expect(try await store.rows(after: 329, limit: 10).map(\.seq) == [330, 331])
    }

    func idempotentResend(_ store: Store) async throws {
        let inputs = AuditFixtures.events(count: 5, seed: 9, clientIDs: true)
        let first = try await append(inputs, to: store)
        #expect(first.allSatisfy { $0.created })
        let again = try await append([inputs[2], inputs[4]], to: store)
        #expect(again.map(\.created) == [false, false])
        #expect(again.map(\.seq) == [first[2].seq, first[4].seq])
        #expect(again.map(\.hash) == [first[2].hash, first[4].hash])
        #expect(again.map(\.receivedAt) == [first[2].receivedAt, first[4].receivedAt])
        #expect(again.map(\.id) == [first[2].id, first[4].id])

        let fresh = AuditFixtures.event(seed: 10, index: 0, clientID: true)
        let mixed = try await append([fresh, inputs[0], fresh, AuditFixtures.event(seed: 10, index: 1)], to: store)
        #expect(mixed.map(\.created) == [true, false, false, true])
        #expect(mixed[0].seq == 6)
        #expect(mixed[2].seq == 6)
        #expect(mixed[2].hash == mixed[0].hash)
        #expect(mixed[1].seq == first[0].seq)
        #expect(mixed[3].seq == 7)
        #expect(try await store.head().seq == 7)
        #expect(try await allEvents(store).count == 7)

        let unnamed = AuditEventInput(action: "user.login")
        let twice = try await append([unnamed, unnamed], to: store)
        #expect(twice.map(\.created) == [true, true], "events without a client id are never deduplicated")
        #expect(twice.map(\.seq) == [8, 9])
        #expect(try await store.verifyChain().ok)
    }

    func batchAtomicity(_ store: Store) async throws {
        let stored = try await append(AuditFixtures.events(count: 3, seed: 5), to: store)
        let headBefore = try await store.head()
        let actionsBefore = try await store.seenActions()
        let batch = try AuditFixtures.clashingBatch(storedID: stored[1].id, seed: 6, validator: validator)
        await #expect(throws: (any Error).self, "a second event with a stored id must fail the whole batch") {
            _ = try await store.append(batch)
        }
        #expect(try await store.head() == headBefore)
        #expect(try await store.event(id: batch[0].event.id) == nil)
        #expect(try await store.seenActions() == actionsBefore)
        #expect(try await allEvents(store).count == 3)

        let after = try await append([AuditFixtures.event(seed: 6, index: 2)], to: store)
        #expect(after.map(\.seq) == [4])
        #expect(after[0].receivedAt >= stored[2].receivedAt)
        #expect(try await store.verifyChain().ok)
        #expect(try await store.append([]).isEmpty)
        #expect(try await store.head().seq == 4)
    }
}
