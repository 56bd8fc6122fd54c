import AuditTrail
import AuditTrailTesting
import Foundation
import SQLiteNIO
import Testing

@testable import AuditTrailSQLite

/// Everything the store derives from the canonical bytes — rows' copies of their fields, the
/// search index's sets, time columns and rollups, the action counts — is checked by
/// `verifyDerivedData`, which names the first seq an edit touches, while the chain verification
/// (which reads only the canonical bytes) still passes; `rebuildDerivedData` restores it all.
@Suite struct SQLiteDerivedDataTests {
    static let shift = 5  // 32 seqs per chunk: 300 events make 9 stored chunks and an in-memory tail

    /// One edit an attacker with the database file could make, and the seq it must be found at.
    struct Tamper: CustomStringConvertible, Sendable {
        var description: String
        var seq: @Sendable (_ events: [AuditEvent]) -> Int64
        var sql: @Sendable (_ events: [AuditEvent]) throws -> [(String, [SQLiteData])]
    }

    static func chunkOf(_ seq: Int64) -> Int64 { (seq - 1) >> Int64(shift) }
    static func offsetOf(_ seq: Int64) -> Int { Int((seq - 1) & ((1 << Int64(shift)) - 1)) }

    /// The statements that give `key` the set `set` (nil: none) in stored chunk `chunk`: the row
    /// holding it (it may hold other keys: ``AuditPackedSets``) replaced by plain rows.
    static func rewrite(_ key: AuditIndexKey, with set: AuditSeqSet?, chunk: Int64, events: [AuditEvent]) throws -> [(String, [SQLiteData])] {
        let edit = try AuditIndexRowEdit.replacing(key, with: set, chunk: chunk, shift: shift, events: events)
        let place: [SQLiteData] = [.integer(Int(chunk)), .integer(Int(key.kind.rawValue))]
        return [("DELETE FROM ix.sets WHERE chunk = ? AND kind = ? AND key = ?", place + [.text(edit.row)])]
            + edit.rows.map {
                (
                    "INSERT INTO ix.sets (chunk, kind, key, events) VALUES (?, ?, ?, ?)",
                    place + [.text($0.value), .blob(ByteBuffer(bytes: $0.events))]
                )
            }
    }

    /// The stored rollup of `chunk` with the count of `key` changed by one.
    static func editedRollup(_ raw: SQLiteConnection, chunk: Int64, key: AuditIndexKey) async throws -> [UInt8] {
        let rows = try await raw.query("SELECT rollup FROM ix.rollups WHERE chunk = ?", [.integer(Int(chunk))])
        let bytes = rows.first?.column("rollup")?.blob.map { Array($0.readableBytesView) } ?? []
        guard var rollup = AuditChunkRollup(serialized: bytes) else { throw AuditTrailError(.storeFailure, "no rollup for chunk \(chunk)") }
        rollup.counts[key, default: 0] += 1
        return rollup.serialized
    }

    static let tampers: [Tamper] = [
        Tamper(
            description: "a row's action column",
            seq: { _ in 77 },
            sql: { _ in
                [("UPDATE events SET action = 'data.export' WHERE seq = 77", [])]
            }
        ),
        Tamper(
            description: "a row's id column (GET /v1/events/{id})",
            seq: { _ in 100 },
            sql: { _ in
                [("UPDATE events SET id = 'forged-id' WHERE seq = 100", [])]
            }
        ),
        Tamper(
            description: "a row's time column",
            seq: { _ in 120 },
            sql: { _ in
                [("UPDATE events SET time = time + 1 WHERE seq = 120", [])]
            }
        ),
        Tamper(
            description: "an event taken out of its action's set",
            seq: { _ in 150 },
            sql: { events in
                let event = events[149]
                var set = AuditSeqSet()
                for other in events where chunkOf(other.seq) == chunkOf(150) && other.action == event.action && other.seq != 150 {
                    set.append(UInt16(offsetOf(other.seq)))
                }
                return try rewrite(AuditIndexKey(.action, event.action), with: set, chunk: chunkOf(150), events: events)
            }
        ),
        Tamper(
            description: "an actor's set deleted from a chunk",
            seq: { _ in 161 },
            sql: { events in
                try rewrite(AuditIndexKey(.actor, events[160].actor?.id ?? ""), with: nil, chunk: chunkOf(161), events: events)
            }
        ),
        Tamper(
            description: "a word's set deleted from a chunk",
            seq: { events in
                // The first event of chunk 6 with the word.
                let word = AuditIndexTerms.keys(of: events[192]).first { $0.kind == .word }!.value
                return events.first { chunkOf($0.seq) == 6 && AuditIndexTerms.keys(of: $0).contains(AuditIndexKey(.word, word)) }!.seq
            },
            sql: { events in
                let word = AuditIndexTerms.keys(of: events[192]).first { $0.kind == .word }!.value
                return try rewrite(AuditIndexKey(.word, word), with: nil, chunk: 6, events: events)
            }
        ),
        Tamper(
            description: "an event's time in the index's time column",
            seq: { _ in 210 },
            sql: { _ in
                [("UPDATE ix.chunks SET times = ? WHERE chunk = ?", [.integer(-1), .integer(Int(chunkOf(210)))])]
            }
        ),
    ]

    @Test(arguments: 0..<tampers.count)
    func anEditOfDerivedDataIsNamedBySeqAndReindexRestoresIt(case index: Int) async throws {
        let tamper = Self.tampers[index]
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var store = try await directory.open { $0.indexChunkShift = Self.shift }
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 300, seed: 41)))
        let clean = try await store.verifyDerivedData()
        #expect(clean.ok && clean.checkedEvents == 300 && clean.checkedChunks == 9, "\(clean)")
        var events: [AuditEvent] = []
        for row in try await store.rows(after: 0, limit: 1000) { events.append(try row.decoded()) }
        try await store.close()

        let raw = try await directory.rawConnection()
        _ = try await raw.query("ATTACH DATABASE ? AS ix", [.text(directory.path + "/audit-index.sqlite")])
        _ = try await raw.query("DROP TRIGGER events_refuse_update")
        var statements = try tamper.sql(events)
        if tamper.description.contains("time column") && tamper.description.contains("index") {
            // The time column with one event's time moved by a millisecond.
            let chunk = Self.chunkOf(210)
            let rows = try await raw.query("SELECT times FROM ix.chunks WHERE chunk = ?", [.integer(Int(chunk))])
            var times = AuditChunkIndex.times(serialized: rows.first?.column("times")?.blob.map { Array($0.readableBytesView) } ?? []) ?? []
            times[Self.offsetOf(210)] += 1
            var writer = AuditBinaryWriter()
            for time in times { writer.i64(time) }
            statements = [("UPDATE ix.chunks SET times = ? WHERE chunk = ?", [.blob(ByteBuffer(bytes: writer.bytes)), .integer(Int(chunk))])]
        }
        for (sql, binds) in statements { _ = try await raw.query(sql, binds) }
        _ = try await raw.query(SQLiteSchema.refuseEventUpdates)
        try await raw.close()

        store = try await directory.open { $0.indexChunkShift = Self.shift }
        let chain = try await store.verifyLog(publicKey: nil)
        #expect(chain.ok, "\(tamper): the canonical bytes are untouched, so the chain verifies")
        let found = try await store.verifyDerivedData()
        #expect(found.problem?.seq == tamper.seq(events), "\(tamper): \(found.problem.map(String.init(describing:)) ?? "not found")")
        #expect(found.problem?.kind == .indexMismatch, "\(tamper)")

        let rebuilt = try await store.rebuildDerivedData()
        #expect(rebuilt.chunksBuilt == 9)
        let after = try await store.verifyDerivedData()
        #expect(after.ok, "\(tamper): after reindex: \(after.problem.map(String.init(describing:)) ?? "")")
        #expect(try await store.verifyLog(publicKey: nil).ok)
        #expect(try await store.event(id: events[99].id)?.seq == 100, "the id look-up finds the event again")
        try await store.close()
    }

    @Test func aWrongRollupAndWrongActionCountsAreNamedAndRebuilt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var store = try await directory.open { $0.indexChunkShift = Self.shift }
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 300, seed: 42)))
        var events: [AuditEvent] = []
        for row in try await store.rows(after: 0, limit: 1000) { events.append(try row.decoded()) }
        _ = try await store.stats(AuditStatsRequest())
        try await store.close()

        // The rollup of chunk 7 counts one more event of the action of seq 230.
        let action = events[229].action
        let firstInChunk = events.first { Self.chunkOf($0.seq) == 7 && $0.action == action }!.seq
        var raw = try await directory.rawConnection()
        _ = try await raw.query("ATTACH DATABASE ? AS ix", [.text(directory.path + "/audit-index.sqlite")])
        let edited = try await Self.editedRollup(raw, chunk: 7, key: AuditIndexKey(.action, action))
        _ = try await raw.query("UPDATE ix.rollups SET rollup = ? WHERE chunk = 7", [.blob(ByteBuffer(bytes: edited))])
        try await raw.close()
        store = try await directory.open { $0.indexChunkShift = Self.shift }
        let stats = try await store.stats(AuditStatsRequest())
        #expect(stats.byAction[action] == Int64(events.filter { $0.action == action }.count) + 1, "stats read the rollup")
        var found = try await store.verifyDerivedData()
        #expect(found.problem?.seq == firstInChunk && found.problem?.detail.contains("rollup") == true, "\(found)")
        _ = try await store.rebuildDerivedData()
        #expect(try await store.verifyDerivedData().ok)
        try await store.close()

        // The rollup's actor column of chunk 7 names another actor for seq 240.
        raw = try await directory.rawConnection()
        _ = try await raw.query("ATTACH DATABASE ? AS ix", [.text(directory.path + "/audit-index.sqlite")])
        let rows = try await raw.query("SELECT rollup FROM ix.rollups WHERE chunk = 7")
        var rollup = try #require(AuditChunkRollup(serialized: rows.first?.column("rollup")?.blob.map { Array($0.readableBytesView) } ?? []))
        let position = try #require(rollup.actorIndex(at: UInt16(Self.offsetOf(240))))
        rollup.actorColumn[Self.offsetOf(240) * rollup.actorColumnWidth] = UInt8((position + 1) % rollup.actors.count + 1)
        _ = try await raw.query("UPDATE ix.rollups SET rollup = ? WHERE chunk = 7", [.blob(ByteBuffer(bytes: rollup.serialized))])
        try await raw.close()
        store = try await directory.open { $0.indexChunkShift = Self.shift }
        found = try await store.verifyDerivedData()
        #expect(found.problem?.seq == 240 && found.problem?.detail.contains("rollup") == true, "\(found)")
        _ = try await store.rebuildDerivedData()
        #expect(try await store.verifyDerivedData().ok)
        #expect(try await store.stats(AuditStatsRequest()) == AuditReferenceMatcher.stats(events, AuditStatsRequest()))
        try await store.close()

        // action_counts (GET /v1/event-types) says one more of the first event's action.
        raw = try await directory.rawConnection()
        _ = try await raw.query("UPDATE action_counts SET count = count + 1 WHERE action = ?", [.text(events[0].action)])
        try await raw.close()
        store = try await directory.open { $0.indexChunkShift = Self.shift }
        found = try await store.verifyDerivedData()
        #expect(found.problem?.seq == 1 && found.problem?.detail.contains("action_counts") == true, "\(found)")
        let rebuilt = try await store.rebuildDerivedData()
        #expect(rebuilt.actionCountsRepaired == 1 && rebuilt.rowsRepaired == 0)
        #expect(try await store.verifyDerivedData().ok)
        #expect(try await store.seenActions() == events.reduce(into: [:]) { $0[$1.action, default: 0] += 1 })
        try await store.close()
    }

    /// Spans of 16 stored chunks keep a merged rollup that stats add whole; an edit of it changes
    /// stats, `verify` names the span's first seq, `reindex` restores it.
    @Test func aSpansMergedRollupIsUsedVerifiedAndRebuilt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var store = try await directory.open { $0.indexChunkShift = 3 }  // 8 seqs per chunk: 300 events make 2 spans
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 300, seed: 43)))
        var events: [AuditEvent] = []
        for row in try await store.rows(after: 0, limit: 1000) { events.append(try row.decoded()) }
        #expect(try await store.stats(AuditStatsRequest()) == AuditReferenceMatcher.stats(events, AuditStatsRequest()))
        #expect(try await store.verifyDerivedData().ok)
        try await store.close()

        // An index file of format 4 (before spans) gains its spans when opened, chunks kept.
        var raw = try await directory.rawConnection()
        _ = try await raw.query("ATTACH DATABASE ? AS ix", [.text(directory.path + "/audit-index.sqlite")])
        _ = try await raw.query("DELETE FROM ix.spans")
        _ = try await raw.query("UPDATE ix.index_info SET value = '4' WHERE name = 'format'")
        // (a chunk's set removed too: kept, not rebuilt, it shows that the chunks were not rebuilt)
        _ = try await raw.query("DELETE FROM ix.sets WHERE chunk = 2 AND kind = 1")
        try await raw.close()
        store = try await directory.open { $0.indexChunkShift = 3 }
        #expect(try await store.verifyDerivedData().problem?.seq == 17, "the chunks were kept as they were")
        _ = try await store.rebuildDerivedData()
        #expect(try await store.verifyDerivedData().ok)
        try await store.close()
        raw = try await directory.rawConnection()
        _ = try await raw.query("ATTACH DATABASE ? AS ix", [.text(directory.path + "/audit-index.sqlite")])
        #expect(try await raw.query("SELECT value FROM ix.index_info WHERE name = 'format'").first?.column("value")?.string == "5")
        let spans = try await raw.query("SELECT span, rollup FROM ix.spans ORDER BY span")
        #expect(spans.map { $0.column("span")?.integer } == [0, 1], "two complete spans of 16 chunks")
        var rollup = try #require(AuditChunkRollup(serialized: spans.last?.column("rollup")?.blob.map { Array($0.readableBytesView) } ?? []))
        let action = events[200].action
        rollup.counts[AuditIndexKey(.action, action), default: 0] += 5
        _ = try await raw.query("UPDATE ix.spans SET rollup = ? WHERE span = 1", [.blob(ByteBuffer(bytes: rollup.serialized))])
        try await raw.close()
        _ = raw

        store = try await directory.open { $0.indexChunkShift = 3 }
        let stats = try await store.stats(AuditStatsRequest())
        #expect(stats.byAction[action] == Int64(events.filter { $0.action == action }.count) + 5, "stats add the span's rollup")
        let found = try await store.verifyDerivedData()
        #expect(found.problem?.seq == 129 && found.problem?.detail.contains("span 1") == true, "\(found)")
        _ = try await store.rebuildDerivedData()
        #expect(try await store.verifyDerivedData().ok)
        #expect(try await store.stats(AuditStatsRequest()) == AuditReferenceMatcher.stats(events, AuditStatsRequest()))
        try await store.close()
    }
}
