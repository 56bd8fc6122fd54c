import AuditTrail
import Logging
import PostgresNIO

extension PostgresAuditStore {
    /// The `NOTIFY` channel each append signals its new head seq on, committed with it:
    /// `audittrail_<schema>` (cut to PostgreSQL's 63 bytes; two schemas sharing that prefix only
    /// wake each other's followers for nothing).
    var commitChannel: String { String(("audittrail_" + s).utf8.prefix(63)) ?? "audittrail" }

    /// Calls `onCommit` with the head seq of every append any instance commits to this log —
    /// `LISTEN` on a connection of its own, outside the pool — so that what follows the log here
    /// (live tails, ``AuditCommitSignal``) wakes at once for events another server appended,
    /// instead of at its next poll. Reconnects after a failure (backing off up to 30 s); returns
    /// when the task is cancelled.
    public func followCommits(_ onCommit: @escaping @Sendable (Int64) -> Void) async {
        var delay = Duration.seconds(1)
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: try directConnection(), id: 1, logger: logger)
                delay = .seconds(1)
                do {
                    try await connection.listen(on: commitChannel) { notifications in
                        for try await notification in notifications {
                            if let seq = Int64(notification.payload) { onCommit(seq) }
                        }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                guard !Task.isCancelled else { return }
                logger.info(
                    "audit commit notifications interrupted; reconnecting",
                    metadata: ["audit.error": "\(storeFailure("listen", error).message)"]
                )
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(30))
        }
    }
}
