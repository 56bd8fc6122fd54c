import Logging

/// What a store gives the search index (store-implementation API, `package`): where its complete
/// chunks are persisted, the rows the in-memory tail catches up from, and the tail and cache it
/// keeps. ``AuditIndexTail/snapshot(of:)`` builds every search's view from it, so the SQLite and
/// PostgreSQL stores index, cache and search the same way and differ only in these reads and
/// writes.
package protocol AuditIndexStorage: Sendable {
    /// How the store divides its log into chunks.
    var indexGeometry: AuditIndexGeometry { get }
    /// The newest chunks, in memory until complete.
    var indexTail: AuditIndexTail { get }
    /// Decoded stored sets, chunk heads and rollups.
    var indexCache: AuditIndexCache { get }
    /// Where a failed chunk write is reported (it is retried at the next catch-up).
    var indexLogger: Logger { get }

    /// The newest committed seq, and the newest seq removed by retention (0 when none).
    func indexBounds() async throws -> (head: Int64, removedThrough: Int64)
    /// Up to `limit` stored rows with seq > `afterSeq`, in seq order (the tail's catch-up).
    func indexRows(after afterSeq: Int64, limit: Int) async throws -> [AuditStoredEvent]
    /// The stored events of `seqs` (those removed are left out), in the order given.
    func indexEvents(seqs: [Int64]) async throws -> [AuditStoredEvent]
    /// The persisted chunks, ascending.
    func storedChunks() async throws -> [Int64]
    /// Those of `stored` in which `key` has a set, ascending.
    func storedChunks(containing key: AuditIndexKey, among stored: [Int64]) async throws -> [Int64]
    /// The values of `kind` starting with `prefix` (byte-wise) in the chunks `stored`, ascending,
    /// at most `limit`.
    func storedValues(_ kind: AuditIndexKey.Kind, prefix: String, limit: Int, among stored: [Int64]) async throws -> [String]
    /// One persisted chunk's sets of `keys`, present events, time bounds and (with `times`) time
    /// column; nil when the chunk is not persisted.
    func readStoredChunk(_ chunk: Int64, keys: [AuditIndexKey], times: Bool) async throws -> AuditChunkRead?
    /// Every set of `kinds` in one persisted chunk.
    func readStoredSets(_ chunk: Int64, kinds: [AuditIndexKey.Kind]) async throws -> [AuditIndexKey: AuditSeqSet]
    /// A persisted chunk's or span's rollup, nil when there is none.
    func readStoredRollup(_ key: AuditIndexCache.RollupKey) async throws -> AuditChunkRollup?
    /// Persists a complete chunk (and its span's rollup once the span is complete). Writing the same
    /// chunk twice (another instance did) must leave it as it was.
    func persistIndexChunk(_ index: AuditChunkIndex) async throws

    // MARK: Derived data as stored (what `verify --indexes` reads back, ``AuditIndexCheck/verify(_:progress:)``)

    /// Up to `limit` stored rows with seq in `after…through`, in seq order, each with the copies
    /// of its fields the store keeps beside its canonical bytes.
    /// - Throws: `.tampered` naming the seq of a row that cannot be read as a stored event.
    func indexRowsWithCopies(
        after: Int64,
        through: Int64,
        limit: Int
    ) async throws -> [(event: AuditStoredEvent, copies: AuditIndexCheck.RowCopies)]
    /// One persisted chunk in its stored forms (bytes as stored, not decoded), nil when it is not
    /// persisted.
    func storedChunkForms(_ chunk: Int64) async throws -> AuditStoredChunk?
    /// A persisted span's merged rollup as stored, nil when there is none.
    func storedSpanRollupBytes(_ span: Int64) async throws -> [UInt8]?
    /// The per-action counts as stored (what `GET /v1/event-types` answers from).
    func storedActionCounts() async throws -> [String: Int64]
}
