/// Where a search reads the index: a store's persisted chunks and its in-memory newest chunk, or
/// an ``AuditMemoryIndex``. Every answer describes the events committed when the search started
/// or later; sets of a chunk come from one consistent read.
public protocol AuditIndexSource: Sendable {
    /// How the source divides the log into chunks.
    var geometry: AuditIndexGeometry { get }
    /// The oldest and newest chunk that hold events, or nil for an empty log.
    func chunkBounds() async throws -> ClosedRange<Int64>?
    /// The chunks in which `key` has events, ascending.
    func chunks(containing key: AuditIndexKey) async throws -> [Int64]
    /// The values of `kind` that start with `prefix`, in order, at most `limit`.
    func values(_ kind: AuditIndexKey.Kind, prefix: String, limit: Int) async throws -> [String]
    /// One chunk: the sets of `keys` (a key without events there is left out), the events it
    /// holds, its time bounds, and its time column when `times` is set.
    func read(chunk: Int64, keys: [AuditIndexKey], times: Bool) async throws -> AuditChunkRead
    /// Every set of `kinds` in one chunk (for stats: each action's, outcome's, … events).
    func sets(chunk: Int64, kinds: [AuditIndexKey.Kind]) async throws -> [AuditIndexKey: AuditSeqSet]
    /// The chunk's aggregates as of when it was indexed, or nil when it holds no events.
    func rollup(chunk: Int64) async throws -> AuditChunkRollup?
    /// The merged rollup of a span's chunks (``AuditIndexGeometry/chunks(ofSpan:)``), or nil when
    /// the source has none for it (a span not yet complete): stats then add chunk by chunk.
    func spanRollup(_ span: Int64) async throws -> AuditChunkRollup?
}

/// What ``AuditIndexSource/read(chunk:keys:times:)`` returns.
public struct AuditChunkRead: Sendable {
    public var sets: [AuditIndexKey: AuditSeqSet]
    public var present: AuditSeqSet
    public var timeBounds: ClosedRange<Int64>?
    /// The event time per offset (ms), when asked for.
    public var times: [Int64]?

    public init(sets: [AuditIndexKey: AuditSeqSet], present: AuditSeqSet, timeBounds: ClosedRange<Int64>?, times: [Int64]?) {
        self.sets = sets
        self.present = present
        self.timeBounds = timeBounds
        self.times = times
    }
}

/// An index held entirely in memory, built from events in seq order: the tests' index, and the
/// shape of a store's newest chunk.
public struct AuditMemoryIndex: AuditIndexSource {
    public let geometry: AuditIndexGeometry
    public private(set) var chunks: [Int64: AuditChunkIndex] = [:]

    public init(geometry: AuditIndexGeometry = .standard) {
        self.geometry = geometry
    }

    /// Adds the event at `seq` (after every seq added so far).
    public mutating func add(seq: Int64, event: AuditEvent) {
        let chunk = geometry.chunk(seq)
        chunks[chunk, default: AuditChunkIndex(chunk: chunk, geometry: geometry)].add(seq: seq, event: event)
    }

    public func chunkBounds() async throws -> ClosedRange<Int64>? {
        guard let low = chunks.keys.min(), let high = chunks.keys.max() else { return nil }
        return low...high
    }

    public func chunks(containing key: AuditIndexKey) async throws -> [Int64] {
        chunks.filter { $0.value.set(key) != nil }.keys.sorted()
    }

    public func values(_ kind: AuditIndexKey.Kind, prefix: String, limit: Int) async throws -> [String] {
        var values = Set<AuditIndexKey>()
        for index in chunks.values { values.formUnion(index.keys(kind, prefix: prefix)) }
        return Array(values.sorted().map(\.value).prefix(limit))
    }

    public func sets(chunk: Int64, kinds: [AuditIndexKey.Kind]) async throws -> [AuditIndexKey: AuditSeqSet] {
        chunks[chunk]?.sets(of: kinds) ?? [:]
    }

    public func rollup(chunk: Int64) async throws -> AuditChunkRollup? { chunks[chunk]?.rollup }

    public func spanRollup(_ span: Int64) async throws -> AuditChunkRollup? {
        let parts = AuditIndexGeometry.chunks(ofSpan: span).compactMap { chunks[$0]?.rollup }
        return parts.isEmpty ? nil : AuditChunkRollup(merging: parts)
    }

    public func read(chunk: Int64, keys: [AuditIndexKey], times: Bool) async throws -> AuditChunkRead {
        chunks[chunk]?.read(keys: keys, times: times) ?? AuditChunkRead(sets: [:], present: AuditSeqSet(), timeBounds: nil, times: nil)
    }
}
