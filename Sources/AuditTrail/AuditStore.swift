/// Reading the log: queries, stats, lookups and the raw rows verification walks.
///
/// There is no update or delete in this API at all.
public protocol AuditStoreReader: Sendable {
    /// One page of events matching `query`, in its order, with the cursor for the next page.
    func events(matching query: AuditQuery) async throws -> AuditEventPage
    /// The event with this id (client-chosen or server-assigned), or nil.
    func event(id: String) async throws -> AuditStoredEvent?
    /// Aggregates over the events matching `query` (its limit, cursor and order are ignored).
    func stats(matching query: AuditQuery, bucket: AuditStats.Bucket) async throws -> AuditStats
    /// Every distinct action stored so far, with its count.
    func seenActions() async throws -> [String: Int64]
    /// The newest seq and chain hash.
    func head() async throws -> AuditChainHead
    /// Up to `limit` rows with seq > `afterSeq`, in seq order, exactly as stored.
    func rows(after afterSeq: Int64, limit: Int) async throws -> [AuditStoredEvent]
    /// Where the chain starts: seq 0 and the genesis hash, or a retention anchor.
    func chainStart() async throws -> AuditChainHead
}

/// Appending to the log. One writer per log at a time: the store reads the head and computes the
/// next hashes inside the same transaction.
public protocol AuditStore: AuditStoreReader {
    /// Appends the events in one transaction, in order. An event whose client id is already stored
    /// (or appears earlier in the same call) is not stored again; its result has `created == false`
    /// and the stored event's seq, hash and receipt time. Returns one result per input, in order.
    /// Either everything new is committed, or nothing is and the call throws.
    func append(_ events: [PreparedAuditEvent]) async throws -> [AuditAppendResult]
}

/// What the caller of an append is told, after commit.
public struct AuditAppendResult: Sendable, Hashable {
    public var id: String
    public var seq: Int64
    public var hash: [UInt8]
    public var receivedAt: AuditTime
    /// False when the id was stored before (an idempotent re-send).
    public var created: Bool
    public init(id: String, seq: Int64, hash: [UInt8], receivedAt: AuditTime, created: Bool) {
        self.id = id; self.seq = seq; self.hash = hash; self.receivedAt = receivedAt; self.created = created
    }
}

/// One page of a query.
public struct AuditEventPage: Sendable {
    public var events: [AuditStoredEvent]
    /// Present when more events may follow.
    public var nextCursor: AuditCursor?
    public init(events: [AuditStoredEvent], nextCursor: AuditCursor?) { self.events = events; self.nextCursor = nextCursor }
}

/// Aggregates for `GET /v1/stats`.
public struct AuditStats: Sendable, Hashable {
    public enum Bucket: String, Sendable, CaseIterable {
        case minute, hour, day
        public var milliseconds: Int64 {
            switch self {
            case .minute: 60_000
            case .hour: 3_600_000
            case .day: 86_400_000
            }
        }
    }
    public struct HistogramBin: Sendable, Hashable {
        public var start: AuditTime
        public var count: Int64
        public init(start: AuditTime, count: Int64) { self.start = start; self.count = count }
    }
    public var total: Int64 = 0
    public var failures: Int64 = 0
    public var denied: Int64 = 0
    public var uniqueActors: Int64 = 0
    public var byAction: [String: Int64] = [:]
    public var byOutcome: [String: Int64] = [:]
    public var bySeverity: [String: Int64] = [:]
    public var byCategory: [String: Int64] = [:]
    /// Bins by event time, oldest first; empty bins are omitted.
    public var histogram: [HistogramBin] = []
    public init() {}
}

/// API keys: stored only as hashes; the secret is shown once.
public protocol AuditKeyStore: Sendable {
    func insertKey(_ key: AuditAPIKey, secretHash: String) async throws
    func keys() async throws -> [AuditAPIKey]
    /// Marks the key revoked; false when no such active key exists.
    func revokeKey(id: String, at time: AuditTime) async throws -> Bool
    /// The active key whose secret hashes to `secretHash`, or nil.
    func key(secretHash: String) async throws -> AuditAPIKey?
}

/// A log whose events are also the leaves of an RFC 6962 Merkle tree (leaf `seq - 1` is the event
/// `seq`), with the tree's subtree hashes stored and signed checkpoints kept.
///
/// Roots and proofs for any size up to the head come from ``AuditMerkleHashSource`` in O(log n)
/// reads; the ``AuditCheckpointer`` service signs tree heads and hands them to ``storeCheckpoint(_:)``.
/// The server, the CLI and the verifiers use this protocol, never a concrete store.
///
/// ```swift
/// let head = try await store.head()
/// let root = try await store.root(size: head.seq)
/// let proof = try await store.inclusionProof(index: seq - 1, size: head.seq)
/// ```
public protocol AuditCheckpointStore: AuditStoreReader, AuditMerkleHashSource {
    /// The log's identity, generated once when the store was created: 32 lower-case hex digits.
    func logID() async throws -> String
    /// The number of leaves whose hashes are stored (the head seq for an intact log).
    func merkleSize() async throws -> Int64
    /// Every stored subtree hash that appending the leaves `leaves` completed (each node whose
    /// last leaf is in the range), in any order — what a verifier compares with its own tree.
    func merkleNodes(completedBy leaves: Range<Int64>) async throws -> [AuditMerkleNode]
    /// Feeds the rows with seq in `afterSeq + 1 ... last` to `hasher` in seq order (until it has
    /// a problem), finishes it, and sets its ``AuditRowHasher/levels`` to the stored subtree
    /// hashes completed by the leaves it verified (`leavesBefore` is the first one's index) —
    /// one read-and-hash job of ``verifyLog(publicKey:pinned:pageSize:progress:)``, which runs
    /// two at once. A default builds it from ``rows(after:limit:)`` and ``merkleNodes(completedBy:)``.
    func hashRows(after afterSeq: Int64, through last: Int64, leavesBefore: Int64, into hasher: AuditRowHasher) async throws
        -> AuditRowHasher
    /// Stores a signed checkpoint. Returns false, storing nothing, when one for its tree size exists.
    func storeCheckpoint(_ checkpoint: AuditStoredCheckpoint) async throws -> Bool
    /// The checkpoint with the largest tree size, or nil before the first one.
    func latestCheckpoint() async throws -> AuditStoredCheckpoint?
    /// Up to `limit` checkpoints with a tree size greater than `treeSize`, smallest first.
    func checkpoints(after treeSize: Int64, limit: Int) async throws -> [AuditStoredCheckpoint]
    /// The newest retention anchor (the removed prefix `1 ... anchor.seq`), or nil when no event
    /// was ever removed. ``chainStart()`` is its chain position.
    func retentionAnchor() async throws -> AuditRetentionAnchor?
}

/// A log whose oldest events can be removed — through this one path only — keeping the proof:
/// each removal records an ``AuditRetentionAnchor`` and deletes the prefix it covers in one
/// transaction, so what remains still verifies and proofs for the remaining events still work
/// (the Merkle subtree hashes and the checkpoints are kept). The store also keeps the retention
/// window, so a change survives restarts. The ``AuditRetention`` service drives it.
///
/// ```swift
/// let anchor = try await store.removeOldestEvents(through: checkpoint.treeSize, receivedBefore: cutoff,
///                                                 limit: 10_000, at: .now())
/// ```
public protocol AuditRetentionStore: AuditCheckpointStore {
    /// In one transaction: takes the events after the current anchor, in seq order, at most
    /// `limit` of them, with seqs up to `through` and received before `cutoff` (receipt times
    /// never go back in seq order); records the anchor of the last one taken and deletes them.
    /// The newest event is never removed (the chain head stays a stored row).
    ///
    /// Returns the new anchor, or nil (changing nothing) when no event qualifies.
    func removeOldestEvents(through seq: Int64, receivedBefore cutoff: AuditTime, limit: Int, at time: AuditTime) async throws
        -> AuditRetentionAnchor?
    /// The stored retention window, or nil when none was ever stored.
    func retentionWindow() async throws -> AuditRetentionWindow?
    /// Stores the retention window and returns the one now in force: `window`, or — when
    /// `replacing` is false and one is stored already — the stored one, unchanged.
    @discardableResult
    func setRetentionWindow(_ window: AuditRetentionWindow, replacing: Bool) async throws -> AuditRetentionWindow
}

/// A signed tree head as a store keeps it: the parsed fields and the whole signed note.
public struct AuditStoredCheckpoint: Sendable, Hashable {
    /// The number of events (leaves) the checkpoint covers: seqs `1 ... treeSize`.
    public var treeSize: Int64
    /// The RFC 6962 root of the first ``treeSize`` leaves (32 bytes).
    public var rootHash: [UInt8]
    /// When it was signed.
    public var time: AuditTime
    /// The C2SP signed note (``AuditCheckpoint/signedNote(signer:)``), verbatim.
    public var note: String

    public init(treeSize: Int64, rootHash: [UInt8], time: AuditTime, note: String) {
        self.treeSize = treeSize; self.rootHash = rootHash; self.time = time; self.note = note
    }
}
