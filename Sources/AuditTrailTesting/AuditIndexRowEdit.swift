import AuditTrail

/// How a test edits one key's set in a stored chunk of the search index, whose rows may hold
/// many keys (``AuditPackedSets``): the chunk is built again from `events` exactly as the store
/// wrote it, the row holding the key is found, and what replaces it is given as plain rows — the
/// row's other keys unchanged, the key with `set` (nil: left out).
public enum AuditIndexRowEdit {
    /// The stored row that holds `key` (its `key` column) and the rows to write in its place.
    public static func replacing(
        _ key: AuditIndexKey,
        with set: AuditSeqSet?,
        chunk: Int64,
        shift: Int,
        events: [AuditEvent]
    ) throws -> (row: String, rows: [(value: String, events: [UInt8])]) {
        let geometry = AuditIndexGeometry(shift: shift)
        var index = AuditChunkIndex(chunk: chunk, geometry: geometry)
        for event in events.sorted(by: { $0.seq < $1.seq }) where geometry.chunk(event.seq) == chunk { index.add(seq: event.seq, event: event) }
        var found: (row: String, rows: [(value: String, events: [UInt8])])?
        try index.forEachStoredRow { kind, value, stored in
            guard found == nil, kind == key.kind else { return }
            let row = String(decoding: value, as: UTF8.self)
            let held = try AuditPackedSets.sets(row: row, events: Array(stored))
            guard held.contains(where: { $0.value == key.value }) else { return }
            var rows: [(value: String, events: [UInt8])] = []
            for (other, otherSet) in held {
                if other != key.value {
                    rows.append((other, otherSet.serialized))
                } else if let set {
                    rows.append((other, set.serialized))
                }
            }
            found = (row, rows)
        }
        guard let found else { throw AuditTrailError(.notFound, "\(key) is not in chunk \(chunk)") }
        return found
    }
}
