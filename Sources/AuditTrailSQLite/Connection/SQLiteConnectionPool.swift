import AuditTrail
import Logging
import SQLiteNIO
import Synchronization

/// A fixed set of SQLite connections (SQLiteNIO's, or raw handles for the verification scans)
/// handed out one caller at a time (a free list with waiters), so a caller may run several
/// statements, or a read transaction, on one connection.
final class SQLiteConnectionPool<Connection: Sendable>: Sendable {
    private struct State {
        var free: [Int]
        var waiters: [CheckedContinuation<Int, Never>] = []
        var closed = false
    }

    private let connections: [Connection]
    private let closeConnection: @Sendable (Connection) async throws -> Void
    private let state: Mutex<State>

    init(connections: [Connection], close: @escaping @Sendable (Connection) async throws -> Void) {
        precondition(!connections.isEmpty)
        self.connections = connections
        self.closeConnection = close
        self.state = Mutex(State(free: Array(connections.indices)))
    }

    /// Runs `body` with a connection no one else uses meanwhile.
    func withConnection<T>(_ body: (Connection) async throws -> T) async throws -> T {
        let index = try await checkout()
        defer { checkin(index) }
        return try await body(connections[index])
    }

    private func checkout() async throws -> Int {
        let index: Int = await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Int? in
                if let index = state.free.popLast() { return index }
                if state.closed { return -1 }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
        guard index >= 0 else { throw AuditTrailError(.storeFailure, "the SQLite store is closed") }
        return index
    }

    private func checkin(_ index: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Int, Never>? in
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.free.append(index)
            return nil
        }
        waiter?.resume(returning: index)
    }

    /// Closes every connection once all are back; later checkouts throw.
    func close() async throws {
        var taken: [Int] = []
        for _ in connections.indices { taken.append(try await checkout()) }
        let waiters = state.withLock { state -> [CheckedContinuation<Int, Never>] in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: -1) }
        // Every connection is closed even if one fails; the first failure is rethrown.
        var failure: (any Error)?
        for index in taken {
            do { try await closeConnection(connections[index]) } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }
}

extension SQLiteConnectionPool where Connection == SQLiteConnection {
    convenience init(connections: [SQLiteConnection]) {
        self.init(connections: connections, close: { try await $0.closeToCompletion() })
    }
}

extension SQLiteConnection {
    /// Closes the connection even when the calling task is cancelled (a service group shutting
    /// down on an error cancels its services): SQLiteNIO's `async` close is skipped on
    /// cancellation, which leaves the handle open (and trips SQLiteNIO's assertion in debug builds).
    func closeToCompletion() async throws {
        try await close().get()
    }
}
