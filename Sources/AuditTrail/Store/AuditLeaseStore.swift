/// A store that several processes share lets one of them at a time do a job that must not run
/// twice at once, such as signing checkpoints or running retention: the one holding the job's
/// lease does it; when that process stops (or dies), the lease runs out and another takes over.
///
/// The holder's name and the lease's length are the store's (each process has its own name);
/// the time is the database server's, so that the processes' clocks need not agree.
///
/// ```swift
/// if try await store.acquireLease("checkpointer") { try await checkpointer.checkpoint() }
/// ```
public protocol AuditLeaseStore: Sendable {
    /// Takes the lease `name` for this process, or renews it when this process holds it; false
    /// while another process's lease runs.
    func acquireLease(_ name: String) async throws -> Bool

    /// Gives the lease `name` up when this process holds it, so another may take it at once.
    func releaseLease(_ name: String) async throws
}
