import AuditTrail
import PostgresNIO
import Synchronization

extension PostgresAuditStore {
    /// What the store last heard from the database, kept by ``watchContact(every:)``.
    struct Contact {
        /// Whether ``watchContact(every:)`` runs (the store runs as a `Service`).
        var watching = false
        /// When a read of the chain head last succeeded.
        var lastAnswer = ContinuousClock.now
        /// Why the last read failed, when it did.
        var lastError: String?
    }

    /// The longest silence that still counts as ready: a few rounds of ``watchContact(every:)``.
    static let readinessSilence: Duration = .seconds(5)

    /// Ready while the database answered a read of the chain head in the last
    /// ``readinessSilence``, told without waiting on the network: a database that went away (or
    /// stopped answering) makes the pool wait for minutes, `/readyz` must not. When the store
    /// does not run as a `Service`, it reads the head itself.
    public func checkReadiness() async throws {
        guard contact.withLock({ $0.watching }) else {
            _ = try await head()
            return
        }
        if let away = databaseAway() { throw away }
    }

    /// Why the database counts as away — no answer to ``watchContact(every:)`` for longer than
    /// ``readinessSilence`` — or nil (also when nothing watches). Requests then fail at once
    /// (`.unavailable`, 503) instead of each waiting for a connection first.
    func databaseAway() -> AuditTrailError? {
        let contact = contact.withLock { $0 }
        guard contact.watching else { return nil }
        let silence = ContinuousClock.now - contact.lastAnswer
        guard silence > Self.readinessSilence else { return nil }
        return AuditTrailError(
            .unavailable,
            "no answer from the PostgreSQL log at \(address) for \(silence.components.seconds) s" + (contact.lastError.map { ": \($0)" } ?? "")
        )
    }

    /// Every `interval` until cancelled: once the database counts as away, the requests waiting
    /// for a pooled connection get ``databaseAway()``'s error (the watch's own read is blocked on
    /// the pool then, so this runs beside it).
    func abandonWaitsWhileAway(checkingEvery interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if let away = databaseAway() { leaseWaiters.abandonAll(away) }
        }
    }

    /// Reads the chain head every `interval` until cancelled, recording when it last answered.
    func watchContact(every interval: Duration) async {
        contact.withLock {
            $0.watching = true
            $0.lastAnswer = .now
        }
        while !Task.isCancelled {
            do {
                // Not through `read`: the watch is what ends an away spell, so ``databaseAway()``
                // must not refuse it; its wait for a connection is abandoned with the others.
                try await leaseWaiters.withConnection(from: client) { connection in
                    for try await _ in try await connection.checkedQuery("SELECT seq FROM \(unescaped: s).chain_head WHERE id = 1", logger: logger) {}
                }
                contact.withLock {
                    $0.lastAnswer = .now
                    $0.lastError = nil
                }
            } catch {
                let message = (error as? AuditTrailError)?.message ?? "\(error)"
                contact.withLock { $0.lastError = message }
            }
            try? await Task.sleep(for: interval)
        }
        contact.withLock { $0.watching = false }
    }
}
