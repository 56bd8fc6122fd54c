import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Group fsync: one caller at a time runs `fsync`, covering every line appended before it
/// started; callers that arrive meanwhile wait for it, and the first of them whose line it did
/// not cover runs the next one. So N concurrent ``AuditClient/write(_:)`` calls cost about two
/// fsyncs, not N.
extension AuditClientSpool {
    private enum Step {
        case done
        case wait
        case sync(fd: Int32, target: UInt64, end: Position)
    }

    /// Returns once the line with `ticket` (from ``append(_:)``) is on disk.
    ///
    /// - Throws: ``AuditClientError/Code/spoolFailure`` when fsync fails (the line may not be durable).
    public func waitUntilDurable(_ ticket: UInt64) async throws(AuditClientError) {
        while true {
            let step: Step = state.withLock { s in
                if s.synced >= ticket { return .done }
                if s.syncing { return .wait }
                s.syncing = true
                // A duplicate, so that a rotation closing the segment meanwhile cannot pull the
                // descriptor from under the fsync.
                return .sync(fd: dup(s.fd), target: s.appended, end: s.end)
            }
            switch step {
            case .done:
                return
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { s in
                        guard s.syncing, s.synced < ticket else { return true }
                        s.waiters.append(continuation)
                        return false
                    }
                    if now { continuation.resume() }
                }
            case .sync(let fd, let target, let end):
                let failed: AuditClientError? =
                    if fd < 0 {
                        AuditSpoolFiles.failure("duplicate the descriptor of", path(end.segment))
                    } else if fsync(fd) != 0 {
                        AuditSpoolFiles.failure("fsync", path(end.segment))
                    } else {
                        nil
                    }
                if fd >= 0 { AuditSpoolFiles.closeDescriptor(fd) }
                let waiters = state.withLock { s in
                    if failed == nil {
                        s.synced = max(s.synced, target)
                        s.durableEnd = max(s.durableEnd, end)
                    }
                    s.syncing = false
                    defer { s.waiters = [] }
                    return s.waiters
                }
                // Every waiter looks again: covered ones return, the first uncovered one syncs.
                for waiter in waiters { waiter.resume() }
                if let failed { throw failed }
            }
        }
    }

    /// Makes everything appended so far durable (the sender calls it each flush interval, which
    /// bounds how long an ``AuditClient/enqueue(_:)``-ed event waits for its fsync).
    public func syncAll() async throws(AuditClientError) {
        try await waitUntilDurable(lastTicket)
    }
}
