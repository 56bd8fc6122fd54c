import AuditTrail
import AuditTrailSQLite
import Hummingbird
import Logging
import ServiceLifecycle

/// Runs the store's maintenance until graceful shutdown, then closes it. Listed before the writer
/// in the group, so it shuts down after the writer has committed what was queued.
struct AuditStoreService: Service {
    let store: SQLiteAuditStore
    let logger: Logger

    func run() async throws {
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
