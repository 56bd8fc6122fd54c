/// The stored checkpoints a walk over the log has fetched but not reached yet, fetched a page at
/// a time ahead of it, so that the walk never waits for one: `verifyLog` growing its tree, an
/// export writing its checkpoint lines.
///
/// ```swift
/// var checkpoints = AuditCheckpointQueue(after: 0, pageSize: 1000)
/// try await checkpoints.fetch(through: page.last, from: store)
/// for row in page { if let reached = checkpoints.reached(row.seq) { … } }
/// ```
package struct AuditCheckpointQueue: Sendable {
    private var queued: ArraySlice<AuditStoredCheckpoint> = []
    private var fetchedUpTo: Int64
    private var exhausted = false
    let pageSize: Int

    /// A queue of the checkpoints with a tree size greater than `treeSize`, fetched `pageSize` at a time.
    package init(after treeSize: Int64, pageSize: Int) {
        fetchedUpTo = treeSize
        self.pageSize = pageSize
    }

    /// Fetches until every checkpoint of a tree size up to `size` is queued.
    package mutating func fetch(through size: Int64, from store: some AuditCheckpointStore) async throws {
        while !exhausted, fetchedUpTo < size {
            let fetched = try await store.checkpoints(after: fetchedUpTo, limit: pageSize)
            exhausted = fetched.isEmpty
            queued.append(contentsOf: fetched)
            fetchedUpTo = fetched.last?.treeSize ?? fetchedUpTo
        }
    }

    /// Removes the queued checkpoints up to `size`; returns the one at exactly `size`, if any.
    package mutating func reached(_ size: Int64) -> AuditStoredCheckpoint? {
        var found: AuditStoredCheckpoint?
        while let next = queued.first, next.treeSize <= size {
            queued.removeFirst()
            if next.treeSize == size { found = next }
        }
        return found
    }
}
