import AuditTrail
import Logging
import Synchronization

/// The sender: reads the spool in order and delivers it batch by batch.
extension AuditClient {
    /// What the server said about one batch.
    enum Outcome {
        /// Stored (2xx): acknowledge it.
        case stored
        /// Refused for its content (a 4xx other than 401, 403, 408, 429): split it.
        case refused(status: Int, detail: String)
        /// Not now (transport failure, 5xx, 503, 429, 401, 403): wait, then send it again.
        case retry(after: Duration?, problem: String)
        /// The server did not see the batches before this one of its stream in time (503
        /// `stream-out-of-order`): after a restart it no longer knows the stream.
        case outOfOrder(problem: String)
    }

    /// Every flush interval until cancelled: one group fsync of whatever was enqueued.
    func syncLoop() async {
        while !Task.isCancelled {
            do {
                try await spool.syncAll()
            } catch {
                logger.error("audit client spool fsync failed", metadata: ["audit.error": "\(error.message)"])
            }
            try? await Task.sleep(for: configuration.flushInterval)
        }
    }

}
