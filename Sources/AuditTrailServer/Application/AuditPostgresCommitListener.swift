import AuditTrail
import AuditTrailPostgres
import ServiceLifecycle

/// Feeds the commits every server on a shared PostgreSQL log makes (its `NOTIFY`s,
/// ``PostgresAuditStore/followCommits(_:)``) to this server's ``AuditCommitSignal``, so that a
/// live tail here shows an event another instance committed at once rather than at its next
/// `--tail-poll`. Ends at graceful shutdown.
struct AuditPostgresCommitListener: Service {
    let store: PostgresAuditStore
    let commits: AuditCommitSignal

    func run() async throws {
        await cancelWhenGracefulShutdown { [store, commits] in
            await store.followCommits { seq in commits.committed(through: seq) }
        }
    }
}
