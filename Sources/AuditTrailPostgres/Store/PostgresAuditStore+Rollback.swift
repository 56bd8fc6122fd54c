import AuditTrail
import NIOCore
import PostgresNIO
import Synchronization

extension PostgresAuditStore {
    /// How long a failed transaction's `ROLLBACK` may take before its connection is closed instead.
    static let rollbackLimit: TimeAmount = .seconds(5)

    /// Ends a transaction that failed with `error`, so that its connection goes back to the pool
    /// clean — without ever waiting for good. A connection that failed or closed took its
    /// transaction with it (PostgreSQL rolls back a session that ends), so nothing is sent on it
    /// (`checkedQuery` refuses a closed one at once). Otherwise `ROLLBACK` is sent, and a connection that does not answer
    /// it within ``rollbackLimit`` is closed (the pool replaces it).
    func rollBack(_ connection: PostgresConnection, after error: any Error) async {
        if Self.isConnectionLevel(error) { return }
        let rollback: EventLoopFuture<PostgresQueryResult> = connection.checkedQuery("ROLLBACK", logger: logger)
        guard await Self.completes(rollback, within: Self.rollbackLimit) else {
            logger.warning("audit store: ROLLBACK unanswered; closing the connection", metadata: ["error": "\(error)"])
            let closing: EventLoopFuture<Void> = connection.close()
            closing.whenFailure { _ in }
            return
        }
    }

    /// Whether `error` says the connection itself failed (not a statement on a live one).
    static func isConnectionLevel(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        return [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown].contains(error.code)
    }

    /// Whether `future` completes within `limit` (it is not cancelled when it does not).
    static func completes<T>(_ future: EventLoopFuture<T>, within limit: TimeAmount) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let once = OnceContinuation(continuation)
            let timer = future.eventLoop.scheduleTask(in: limit) { once.resume(false) }
            future.whenComplete { _ in
                timer.cancel()
                once.resume(true)
            }
        }
    }
}

/// A continuation resumed by whichever of several callbacks comes first.
final class OnceContinuation<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, Never>?>

    init(_ continuation: CheckedContinuation<Value, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ value: Value) {
        let waiting = continuation.withLock { continuation in
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(returning: value)
    }
}
