import AuditTrail
import Logging
import ServiceLifecycle

/// Runs a ``SQLiteAuditStore``'s maintenance until graceful shutdown, then closes the store.
/// Listed before the writer in a group, so it shuts down after the writer has committed what was
/// queued.
///
/// ```swift
/// let services: [any Service] = [SQLiteStoreService(store: store, logger: logger), writer]
/// ```
public struct SQLiteStoreService: Service {
    /// The store it runs and closes.
    public let store: SQLiteAuditStore
    let logger: Logger

    /// A service for `store`.
    public init(store: SQLiteAuditStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Runs the maintenance loop, then closes the store (also when the loop fails).
    public func run() async throws {
        do {
            try await store.run()
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        logger.debug("audit store closed")
    }
}
