import AuditTrail

extension SQLiteAuditStore {
    /// Aggregates over the events matching the request's query (its limit, cursor and order are
    /// ignored), from the search index and its rollups (``AuditIndexSearch/stats(_:in:fetch:)``),
    /// all as of one moment. Histogram bins start at multiples of the bucket since the Unix
    /// epoch, which are UTC minute, hour and day starts.
    public func stats(_ request: AuditStatsRequest) async throws -> AuditStats {
        let snapshot = try await searchSnapshot()
        return try await AuditIndexSearch.stats(request, in: snapshot) { try await self.indexEvents(seqs: $0) }
    }
}
