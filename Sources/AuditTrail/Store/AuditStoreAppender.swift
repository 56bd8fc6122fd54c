/// Appending to the log. One writer per log at a time: the store reads the head and computes the
/// next hashes inside the same transaction.
///
/// This is everything the ``AuditWriter`` asks of what it writes to: a full ``AuditStore``, or the
/// append-only daily ``AuditJSONLLog``.
///
/// ```swift
/// let results = try await appender.append([prepared])
/// print(results[0].seq, results[0].created)
/// ```
public protocol AuditStoreAppender: Sendable {
    /// Appends the events in one transaction, in order. An event whose client id is already stored
    /// (or appears earlier in the same call) is not stored again; its result has `created == false`
    /// and the stored event's seq, hash and receipt time. Returns one result per input, in order.
    /// Either everything new is committed, or nothing is and the call throws.
    func append(_ events: [PreparedAuditEvent]) async throws -> [AuditAppendResult]
}
