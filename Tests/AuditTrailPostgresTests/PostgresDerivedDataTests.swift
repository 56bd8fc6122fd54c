import AuditTrail
import AuditTrailPostgres
import AuditTrailTesting
import NIOCore
import PostgresNIO
import Testing

/// What the PostgreSQL store derives from the canonical bytes — the rows' copies of their fields
/// in `events` and `event_ids`, the index's chunks, sets, time columns and rollups in
/// `index_chunks`/`index_sets`/`index_spans`, the counts in `action_counts` — is checked by the
/// core's check (`verifyDerivedData`), the SQLite store's: an edit made with the owner's role is
/// named by its first seq, while the chain (the canonical bytes) still verifies.
@Suite(.enabled(if: PostgresTestServer.isAvailable, PostgresTestServer.unavailable))
struct PostgresDerivedDataTests {
    static let shift = 5  // 32 seqs per chunk: 300 events make 9 stored chunks and an in-memory tail

    /// One edit someone holding the owner's role could make, the seq it must be found at, and a
    /// word the problem's detail names.
    struct Tamper: CustomStringConvertible, Sendable {
        var description: String
        var seq: @Sendable (_ events: [AuditEvent]) -> Int64
        var detail: String
        var edit: @Sendable (_ client: PostgresClient, _ schema: String, _ events: [AuditEvent]) async throws -> Void
    }

    static func chunkOf(_ seq: Int64) -> Int64 { (seq - 1) >> Int64(shift) }

    /// Gives `key` the set `set` (nil: none) in stored chunk `chunk`: the row holding it (it may
    /// hold other keys: ``AuditPackedSets``) replaced by plain rows.
    static func rewrite(
        _ client: PostgresClient,
        _ s: String,
        _ key: AuditIndexKey,
        with set: AuditSeqSet?,
        chunk: Int64,
        events: [AuditEvent]
    ) async throws {
        let edit = try AuditIndexRowEdit.replacing(key, with: set, chunk: chunk, shift: shift, events: events)
        let kind = Int16(key.kind.rawValue)
        try await client.query("DELETE FROM \(unescaped: s).index_sets WHERE chunk = \(chunk) AND kind = \(kind) AND key = \(edit.row)")
        for row in edit.rows {
            try await client.query(
                "INSERT INTO \(unescaped: s).index_sets (chunk, kind, key, events) VALUES (\(chunk), \(kind), \(row.value), \(ByteBuffer(bytes: row.events)))"
            )
        }
    }
    static func offsetOf(_ seq: Int64) -> Int { Int((seq - 1) & ((1 << Int64(shift)) - 1)) }

    /// Replaces the function behind the triggers that refuse `UPDATE` of `events` (the owner may):
    /// what an attacker with the owner's role does first.
    static func liftRefusals(_ client: PostgresClient, _ schema: String) async throws {
        try await client.query(
            PostgresQuery(
                unsafeSQL: "CREATE OR REPLACE FUNCTION \(schema).refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
            )
        )
    }

    /// The one bytea value `query` returns.
    static func bytes(_ client: PostgresClient, _ query: PostgresQuery) async throws -> [UInt8] {
        for try await buffer in try await client.query(query).decode(ByteBuffer.self) { return Array(buffer.readableBytesView) }
        throw AuditTrailError(.storeFailure, "no row")
    }

    static let tampers: [Tamper] = [
        Tamper(
            description: "a row's action column",
            seq: { _ in 77 },
            detail: "action",
            edit: { client, s, _ in
                try await liftRefusals(client, s)
                try await client.query("UPDATE \(unescaped: s).events SET action = 'data.export' WHERE seq = 77")
            }
        ),
        Tamper(
            description: "a row's severity column",
            seq: { _ in 120 },
            detail: "severity",
            edit: { client, s, _ in
                try await liftRefusals(client, s)
                try await client.query("UPDATE \(unescaped: s).events SET severity = severity + 1 WHERE seq = 120")
            }
        ),
        Tamper(
            description: "a row's id in event_ids (GET /v1/events/{id})",
            seq: { _ in 100 },
            detail: "id",
            edit: { client, s, _ in
                try await client.query("UPDATE \(unescaped: s).event_ids SET id = 'forged-id' WHERE seq = 100")
            }
        ),
        Tamper(
            description: "an event taken out of its action's set",
            seq: { _ in 150 },
            detail: "the set of",
            edit: { client, s, events in
                let event = events[149]
                var set = AuditSeqSet()
                for other in events where chunkOf(other.seq) == chunkOf(150) && other.action == event.action && other.seq != 150 {
                    set.append(UInt16(offsetOf(other.seq)))
                }
                try await rewrite(client, s, AuditIndexKey(.action, event.action), with: set, chunk: chunkOf(150), events: events)
            }
        ),
        Tamper(
            description: "an actor's set deleted from a chunk",
            seq: { _ in 161 },
            detail: "missing",
            edit: { client, s, events in
                try await rewrite(client, s, AuditIndexKey(.actor, events[160].actor?.id ?? ""), with: nil, chunk: chunkOf(161), events: events)
            }
        ),
        Tamper(
            description: "an event's time in the index's time column",
            seq: { _ in 210 },
            detail: "time",
            edit: { client, s, _ in
                let chunk = chunkOf(210)
                let stored = try await bytes(client, "SELECT times FROM \(unescaped: s).index_chunks WHERE chunk = \(chunk)")
                var times = try #require(AuditChunkIndex.times(serialized: stored))
                times[offsetOf(210)] += 1
                var writer = AuditBinaryWriter()
                for time in times { writer.i64(time) }
                try await client.query("UPDATE \(unescaped: s).index_chunks SET times = \(ByteBuffer(bytes: writer.bytes)) WHERE chunk = \(chunk)")
            }
        ),
        Tamper(
            description: "a chunk's rollup counting one more event of an action",
            seq: { events in events.first { chunkOf($0.seq) == 7 && $0.action == events[229].action }!.seq },
            detail: "rollup",
            edit: { client, s, events in
                let stored = try await bytes(client, "SELECT rollup FROM \(unescaped: s).index_chunks WHERE chunk = 7")
                var rollup = try #require(AuditChunkRollup(serialized: stored))
                rollup.counts[AuditIndexKey(.action, events[229].action), default: 0] += 1
                try await client.query("UPDATE \(unescaped: s).index_chunks SET rollup = \(ByteBuffer(bytes: rollup.serialized)) WHERE chunk = 7")
            }
        ),
        Tamper(
            description: "action_counts (GET /v1/event-types)",
            seq: { _ in 1 },
            detail: "action_counts",
            edit: { client, s, events in
                try await client.query("UPDATE \(unescaped: s).action_counts SET count = count + 1 WHERE action = \(events[0].action)")
            }
        ),
    ]

    @Test(arguments: 0..<tampers.count)
    func anEditOfDerivedDataIsNamedBySeq(case index: Int) async throws {
        let tamper = Self.tampers[index]
        let stores = PostgresTestServer.Stores { $0.indexChunkShift = Self.shift }
        let store = try await stores.make()
        do {
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 300, seed: 41)))
            let clean = try await store.verifyDerivedData()
            #expect(clean.ok && clean.checkedEvents == 300 && clean.checkedChunks == 9, "\(clean)")
            let events = try await store.rows(after: 0, limit: 1000).map { try $0.decoded() }

            let owner = try await PostgresTestServer.rawClient(try #require(PostgresTestServer.url))
            try await owner.run { client in try await tamper.edit(client, store.schemaName, events) }

            #expect(try await store.verifyLog(publicKey: nil).ok, "\(tamper): the canonical bytes are untouched, so the chain verifies")
            let found = try await store.verifyDerivedData()
            #expect(found.problem?.seq == tamper.seq(events), "\(tamper): \(found.problem.map(String.init(describing:)) ?? "not found")")
            #expect(found.problem?.kind == .indexMismatch, "\(tamper)")
            #expect(found.problem?.detail.contains(tamper.detail) == true, "\(tamper): \(found.problem?.detail ?? "")")
        } catch {
            try? await stores.close(store)
            throw error
        }
        try await stores.close(store)
    }

    /// `audittrail reindex` on PostgreSQL: an edit of the index or of the counts is gone after the
    /// rebuild (the check passes, searches and stats answer from the canonical bytes); an edited
    /// row is left as it is, counted, and still named by the check — evidence, not derived data.
    @Test(arguments: 0..<tampers.count)
    func reindexRebuildsEditedDerivedDataAndLeavesEditedRows(case index: Int) async throws {
        let tamper = Self.tampers[index]
        let editsRow = tamper.description.hasPrefix("a row's")
        let stores = PostgresTestServer.Stores { $0.indexChunkShift = Self.shift }
        let store = try await stores.make()
        do {
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 300, seed: 41)))
            let events = try await store.rows(after: 0, limit: 1000).map { try $0.decoded() }
            // The check catches the index up: the complete chunks are in the tables to edit.
            #expect(try await store.verifyDerivedData().checkedChunks == 9)
            let owner = try await PostgresTestServer.rawClient(try #require(PostgresTestServer.url))
            try await owner.run { client in try await tamper.edit(client, store.schemaName, events) }

            let rebuild = try await store.rebuildDerivedData()
            #expect(rebuild.chunksBuilt == 9, "\(tamper): \(rebuild)")
            #expect(rebuild.rowsRepaired == 0)
            #expect(rebuild.rowsLeft == (editsRow ? 1 : 0), "\(tamper): \(rebuild)")
            #expect(rebuild.actionCountsRepaired == (tamper.description.hasPrefix("action_counts") ? 1 : 0), "\(tamper): \(rebuild)")
            let after = try await store.verifyDerivedData()
            if editsRow {
                #expect(after.problem?.seq == tamper.seq(events), "\(tamper): \(after)")
            } else {
                #expect(after.ok && after.checkedChunks == 9, "\(tamper): \(after)")
                let stats = try await store.stats(AuditStatsRequest())
                let action = events[0].action
                #expect(stats.byAction[action] == Int64(events.filter { $0.action == action }.count), "\(tamper)")
            }
        } catch {
            try? await stores.close(store)
            throw error
        }
        try await stores.close(store)
    }

    /// Spans of 16 stored chunks keep a merged rollup that stats add whole: an edit of it in
    /// `index_spans` changes stats, and the check names the span's first seq.
    @Test func anEditedSpanRollupIsNamedBySeq() async throws {
        let stores = PostgresTestServer.Stores { $0.indexChunkShift = 3 }  // 8 seqs per chunk: 300 events make 2 spans
        let store = try await stores.make()
        do {
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 300, seed: 43)))
            let events = try await store.rows(after: 0, limit: 1000).map { try $0.decoded() }
            let clean = try await store.verifyDerivedData()
            #expect(clean.ok && clean.checkedEvents == 300 && clean.checkedChunks == 37, "\(clean)")

            let action = events[200].action
            let owner = try await PostgresTestServer.rawClient(try #require(PostgresTestServer.url))
            try await owner.run { client in
                let s = store.schemaName
                var spans: [Int64] = []
                for try await span in try await client.query("SELECT span FROM \(unescaped: s).index_spans ORDER BY span").decode(Int64.self) {
                    spans.append(span)
                }
                #expect(spans == [0, 1], "two complete spans of 16 chunks")
                var rollup = try #require(
                    AuditChunkRollup(serialized: try await Self.bytes(client, "SELECT rollup FROM \(unescaped: s).index_spans WHERE span = 1"))
                )
                rollup.counts[AuditIndexKey(.action, action), default: 0] += 5
                try await client.query("UPDATE \(unescaped: s).index_spans SET rollup = \(ByteBuffer(bytes: rollup.serialized)) WHERE span = 1")
            }

            let stats = try await store.stats(AuditStatsRequest())
            #expect(stats.byAction[action] == Int64(events.filter { $0.action == action }.count) + 5, "stats add the span's rollup")
            let found = try await store.verifyDerivedData()
            #expect(found.problem?.seq == 129 && found.problem?.detail.contains("span 1") == true, "\(found)")
            #expect(found.problem?.kind == .indexMismatch)
        } catch {
            try? await stores.close(store)
            throw error
        }
        try await stores.close(store)
    }
}
