/// Reading the log: queries, stats, lookups and the raw rows verification walks.
///
/// There is no update or delete in this API at all.
public protocol AuditStoreReader: Sendable {
    /// One page of events matching `query`, in its order, with the cursor for the next page.
    func events(matching query: AuditQuery) async throws -> AuditEventPage
    /// The event with this id (client-chosen or server-assigned), or nil.
    func event(id: String) async throws -> AuditStoredEvent?
    /// Aggregates over the events matching the request's query (its limit, cursor and order are
    /// ignored), with its histogram bucket and grouping.
    func stats(_ request: AuditStatsRequest) async throws -> AuditStats
    /// Every distinct action stored so far, with its count.
    func seenActions() async throws -> [String: Int64]
    /// Up to `limit` of the distinct actions stored so far, in byte order, those after `after`
    /// (exclusive) when it is set, with their counts: `GET /event-types` a page at a time.
    func seenActions(after: String?, limit: Int) async throws -> [AuditStats.Group]
    /// The newest seq and chain hash.
    func head() async throws -> AuditChainHead
    /// Up to `limit` rows with seq > `afterSeq`, in seq order, exactly as stored.
    func rows(after afterSeq: Int64, limit: Int) async throws -> [AuditStoredEvent]
    /// Where the chain starts: seq 0 and the genesis hash, or a retention anchor.
    func chainStart() async throws -> AuditChainHead
    /// Returns when the store can serve now, throws an ``AuditTrailError`` saying why not. It
    /// backs `/readyz`, so it must answer promptly even when the store's server is gone: a store
    /// whose reads can wait on the network answers from what it last saw.
    func checkReadiness() async throws
}

extension AuditStoreReader {
    /// Ready when ``head()`` answers: for stores whose reads are local.
    public func checkReadiness() async throws {
        _ = try await head()
    }

    /// The page of ``seenActions()`` after `after`, for stores without a sorted table of them.
    public func seenActions(after: String?, limit: Int) async throws -> [AuditStats.Group] {
        AuditStats.Group.page(of: try await seenActions(), after: after, limit: limit)
    }

    /// Aggregates over the events matching `query`, with a histogram by `bucket` (kept unless
    /// it would exceed ``AuditStats/Bucket/maxBins`` bins).
    public func stats(matching query: AuditQuery, bucket: AuditStats.Bucket) async throws -> AuditStats {
        try await stats(AuditStatsRequest(query: query, bucket: bucket))
    }
}
