import PostgresNIO
import Synchronization

/// A pooled connection handed from the task that leases it to the request that waits for it, so
/// that the request can stop waiting without the lease being cancelled.
///
/// PostgresNIO's pool answers a lease only once it has a connection: while the database is away
/// it keeps waiting (for minutes). Rather than cancel such a lease inside the pool (a CI run
/// once hung after a database restart with leases cancelled; the cause found later was a
/// statement PostgresNIO never answers, see `checkedQuery`, but no lease is cancelled since), a
/// lease runs in a task of its own and offers its connection; the waiting request gives up when the store
/// learns that the database is away (``PostgresLeaseWaiters/abandonAll(_:)``) or when its own
/// task is cancelled, and a lease that is answered after that returns its connection unused.
final class PostgresLeaseHandoff: Sendable {
    private enum State {
        /// Nobody has offered or abandoned yet; the waiter is suspended when it has a continuation.
        case waiting(CheckedContinuation<PostgresConnection, any Error>?)
        /// The lease was answered before the waiter suspended.
        case offered(PostgresConnection)
        /// The waiter has the connection; the lease holds it until ``release()``.
        case inUse
        /// The waiter gave up, or the lease failed: the error it gets (or got).
        case over(any Error)
    }

    private let state = Mutex(State.waiting(nil))
    /// The lease's side: resumed by ``release()`` (the waiter is done with the connection).
    private let released = Mutex<(done: Bool, continuation: CheckedContinuation<Void, Never>?)>((false, nil))

    /// The waiter: the leased connection, or the error it was abandoned or failed with. Call
    /// ``release()`` once done with a connection it returned.
    func connection() async throws -> PostgresConnection {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PostgresConnection, any Error>) in
                let result = state.withLock { state -> Result<PostgresConnection, any Error>? in
                    switch state {
                    case .waiting:
                        state = .waiting(continuation)
                        return nil
                    case .offered(let connection):
                        state = .inUse
                        return .success(connection)
                    case .over(let error):
                        return .failure(error)
                    case .inUse:
                        preconditionFailure("a lease handoff is waited for once")
                    }
                }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            abandon(CancellationError())
        }
    }

    /// The lease: offers `connection` and holds it until the waiter releases it; returns at once
    /// when the waiter has given up (the connection goes back to the pool unused).
    func hold(_ connection: PostgresConnection) async {
        let (waiter, taken) = state.withLock { state -> (CheckedContinuation<PostgresConnection, any Error>?, Bool) in
            switch state {
            case .waiting(let continuation?):
                state = .inUse
                return (continuation, true)
            case .waiting(nil):
                state = .offered(connection)
                return (nil, true)
            case .offered, .inUse, .over:
                return (nil, false)
            }
        }
        guard taken else { return }
        waiter?.resume(returning: connection)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = released.withLock { released -> Bool in
                if released.done { return true }
                released.continuation = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// The waiter is done with the connection: the lease returns it to the pool.
    func release() {
        let continuation = released.withLock { released -> CheckedContinuation<Void, Never>? in
            released.done = true
            defer { released.continuation = nil }
            return released.continuation
        }
        continuation?.resume()
    }

    /// The waiter stops waiting with `error`, unless it already has its connection. Also how a
    /// failed lease reaches the waiter.
    func abandon(_ error: any Error) {
        let waiter = state.withLock { state -> CheckedContinuation<PostgresConnection, any Error>? in
            guard case .waiting(let continuation) = state else { return nil }
            state = .over(error)
            return continuation
        }
        waiter?.resume(throwing: error)
    }
}

/// The requests of one store waiting for a pooled connection: the store's watch abandons them
/// all once the database counts as away, so none waits for the pool's own give-up.
final class PostgresLeaseWaiters: Sendable {
    private let waiting = Mutex<[ObjectIdentifier: PostgresLeaseHandoff]>([:])

    /// Runs `body` on a connection leased from `client` in a task of its own (see
    /// ``PostgresLeaseHandoff``); throws when the wait is abandoned or the lease fails.
    func withConnection<T: Sendable>(
        from client: PostgresClient,
        _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let handoff = PostgresLeaseHandoff()
        let key = ObjectIdentifier(handoff)
        waiting.withLock { $0[key] = handoff }
        Task {
            do {
                try await client.withConnection { await handoff.hold($0) }
            } catch {
                handoff.abandon(error)
            }
        }
        let connection: PostgresConnection
        do {
            connection = try await handoff.connection()
            waiting.withLock { _ = $0.removeValue(forKey: key) }
        } catch {
            waiting.withLock { _ = $0.removeValue(forKey: key) }
            throw error
        }
        defer { handoff.release() }
        return try await body(connection)
    }

    /// Every waiting request stops waiting with `error` (those that already have a connection go on).
    func abandonAll(_ error: any Error) {
        let all = waiting.withLock { Array($0.values) }
        for handoff in all { handoff.abandon(error) }
    }
}
