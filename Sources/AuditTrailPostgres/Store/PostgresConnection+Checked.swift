import AuditTrail
import Logging
import NIOCore
import PostgresNIO

extension PostgresConnection {
    /// The error of a statement not sent because its connection has closed.
    static var closedError: AuditTrailError {
        AuditTrailError(.unavailable, "the PostgreSQL connection closed (the database went away or restarted)")
    }

    /// `query`, refused at once when the connection has closed. PostgresNIO writes a statement to
    /// its channel without a promise; a closed channel drops it, and its answer never comes — a
    /// server once waited on such a statement forever after a database restart, holding every
    /// append behind it. Every statement of the store goes through here.
    @discardableResult
    func checkedQuery(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        guard !isClosed else { throw Self.closedError }
        return try await self.query(query, logger: logger)
    }

    /// The future-returning `query` (pipelined statements), refused the same way.
    func checkedQuery(_ query: PostgresQuery, logger: Logger) -> EventLoopFuture<PostgresQueryResult> {
        guard !isClosed else { return eventLoop.makeFailedFuture(Self.closedError) }
        return self.query(query, logger: logger)
    }
}
