import AuditTrailTesting
import Testing

@testable import AuditTrail

/// A chunk's postings (one hash table, offsets in shared blocks) against a plain model: every
/// key's set, across table growth, block boundaries and the bitmap container.
@Suite("AuditChunkPostings")
struct AuditChunkPostingsTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func everyKeyHoldsExactlyTheOffsetsAddedToIt(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var postings = AuditChunkPostings()
        var model: [AuditIndexKey: [UInt16]] = [:]
        func add(_ kind: AuditIndexKey.Kind, _ value: String, _ offset: UInt16) {
            AuditIndexKey.withBytes(value) { postings.add(kind.rawValue, $0, offset: offset) }
            let key = AuditIndexKey(kind, value)
            if model[key]?.last != offset { model[key, default: []].append(offset) }
        }
        for offset in stride(from: 0, to: 12_000, by: Int.random(in: 1...3, using: &random)) {
            let offset = UInt16(offset)
            add(.outcome, "success", offset)  // every event: past the array limit, a bitmap
            add(.action, "a\(Int.random(in: 0..<20, using: &random))", offset)  // hundreds each: many blocks
            add(.word, "w\(Int.random(in: 0..<100_000, using: &random))", offset)  // mostly once: the table grows
            add(.word, "w\(Int.random(in: 0..<100_000, using: &random))", offset)
            let repeated = "r\(Int.random(in: 0..<7, using: &random))"
            add(.word, repeated, offset)
            add(.word, repeated, offset)  // a word twice in one event counts once
            add(.actor, String(repeating: "x", count: Int.random(in: 0...40, using: &random)), offset)  // lengths around 8-byte words
            add(.actorName, String(repeating: "x", count: Int.random(in: 0...40, using: &random)), offset)  // same bytes, another kind
        }
        #expect(postings.entries.count == model.count)
        for (key, offsets) in model {
            guard let entry = postings.find(key) else {
                Issue.record("\(key) not found")
                continue
            }
            #expect(postings.key(entry) == key)
            let set = postings.set(entry)
            #expect(set == AuditSeqSet(offsets: offsets), "\(key)")
            #expect(set.count == offsets.count)
            var stored: [UInt8] = []
            postings.serializedSet(entry, into: &stored)
            #expect(stored == AuditSeqSet(offsets: offsets).serialized, "\(key)")
        }
        #expect(postings.find(AuditIndexKey(.word, "never-added")) == nil)
        #expect(postings.find(AuditIndexKey(.tag, "success")) == nil)
        #expect(model[AuditIndexKey(.outcome, "success")]!.count > AuditSeqSet.arrayLimit)
    }

    /// What a store writes (``AuditChunkIndex/forEachSortedSet(_:)``) is ``AuditChunkIndex/sortedSets``
    /// byte for byte; counts, prefixes and reads agree with the sets.
    @Test func aChunkWritesItsSortedSetsAndAnswersFromThem() throws {
        var chunk = AuditChunkIndex(chunk: 0, geometry: AuditIndexGeometry(shift: 10))
        let validator = AuditEventValidator()
        for index in 0..<1_000 {
            var input = AuditEventInput(action: index % 3 == 0 ? "user.login" : "doc.view", actor: .init(id: "u-\(index % 37)"))
            input.description = "report \(index % 11) exported by u-\(index % 37) report"
            input.actor?.ip = "10.0.\(index % 5).\(index % 200)"
            input.resource = .init(type: "doc", id: "d-\(index)")  // each once: packed
            chunk.add(seq: Int64(index + 1), event: try validator.prepare(input).event)
        }
        let sorted = chunk.sortedSets
        var rows: [(kind: AuditIndexKey.Kind, key: String, events: [UInt8])] = []
        try chunk.forEachStoredRow { kind, value, events in rows.append((kind, String(decoding: value, as: UTF8.self), Array(events))) }
        var written: [(AuditIndexKey, [UInt8])] = []
        for row in rows {
            for (value, set) in try AuditPackedSets.sets(row: row.key, events: row.events) {
                written.append((AuditIndexKey(row.kind, value), set.serialized))
            }
        }
        #expect(written.map(\.0) == sorted.map(\.key))
        #expect(written.map(\.1) == sorted.map(\.set.serialized))
        // The 1,000 resource ids, each held once, go 64 to a row; sets above the limit keep a row each.
        #expect(rows.filter { $0.kind == .resourceID }.count == 16)
        #expect(
            rows.filter { AuditPackedSets.isPacked($0.events) }.count == 16
                + rows.filter { $0.kind == .word && AuditPackedSets.isPacked($0.events) }.count
        )
        for row in rows where AuditPackedSets.isPacked(row.events) {
            #expect(try AuditPackedSets.sets(row: row.key, events: row.events).allSatisfy { $0.set.count <= AuditPackedSets.setLimit })
            #expect(try AuditPackedSets.sets(row: row.key, events: row.events).first?.value == row.key)
        }
        // As a store looks a value up: the row with the greatest key at or below it.
        func lookUp(_ key: AuditIndexKey) throws -> AuditSeqSet? {
            guard let row = rows.last(where: { $0.kind == key.kind && AuditIndexKey.compareBytes($0.key, key.value) <= 0 }) else { return nil }
            return try AuditPackedSets.set(of: key.value, row: row.key, events: row.events)
        }
        for (key, set) in sorted { #expect(try lookUp(key) == set, "\(key)") }
        for absent in ["d-", "d-1000", "d-10a", "d-99x", "zzz", ""] { #expect(try lookUp(AuditIndexKey(.resourceID, absent)) == nil, "\(absent)") }
        #expect(chunk.keyCount == sorted.count)
        let counts = chunk.counts(of: [.action, .actor])
        #expect(counts[AuditIndexKey(.action, "user.login")] == 334)
        #expect(counts.count == 2 + 37)
        #expect(Set(chunk.keys(.actor, prefix: "u-3").map(\.value)) == ["u-3", "u-30", "u-31", "u-32", "u-33", "u-34", "u-35", "u-36"])
        #expect(chunk.set(AuditIndexKey(.word, "report"))?.count == 1_000)
        #expect(chunk.set(AuditIndexKey(.word, "nothing")) == nil)
        let read = chunk.read(keys: [AuditIndexKey(.actor, "u-1"), AuditIndexKey(.actor, "none")], times: false)
        #expect(read.sets[AuditIndexKey(.actor, "u-1")]?.count == 27)
        #expect(read.sets[AuditIndexKey(.actor, "none")] == nil)
        var copy = chunk
        #expect(copy == chunk)
        copy.add(seq: 1_001, event: try validator.prepare(AuditEventInput(action: "doc.view")).event)
        #expect(copy != chunk)
    }
}
