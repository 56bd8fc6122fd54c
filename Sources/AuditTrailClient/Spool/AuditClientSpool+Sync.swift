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
        /// fsync the retired segments (in order), the directory when it changed, then `fd`.
        case sync(retired: [(fd: Int32, segment: Int64)], directory: Bool, fd: Int32, target: UInt64, end: Position)
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
                defer {
                    s.retired = []
                    s.directoryChanged = false
                }
                // A duplicate, so that a close meanwhile cannot pull the descriptor from under
                // the fsync.
                return .sync(retired: s.retired, directory: s.directoryChanged, fd: dup(s.fd), target: s.appended, end: s.end)
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
            case .sync(let retired, let directory, let fd, let target, let end):
                var failed: AuditClientError?
                var synced = 0
                do throws(AuditClientError) {
                    for segment in retired {
                        try await AuditSpoolFiles.syncOffCooperativePool(segment.fd, path: path(segment.segment))
                        synced += 1
                    }
                    if directory {
                        try await AuditSpoolFiles.syncOffCooperativePool(path: configuration.directory)
                    }
                    guard fd >= 0 else { throw AuditSpoolFiles.failure("duplicate the descriptor of", path(end.segment)) }
                    try await AuditSpoolFiles.syncOffCooperativePool(fd, path: path(end.segment))
                } catch {
                    failed = error
                }
                if fd >= 0 { AuditSpoolFiles.closeDescriptor(fd) }
                for segment in retired.prefix(synced) { AuditSpoolFiles.closeDescriptor(segment.fd) }
                let waiters = state.withLock { s in
                    if failed == nil {
                        s.synced = max(s.synced, target)
                        s.durableEnd = max(s.durableEnd, end)
                    } else {
                        // Tried again by the next group fsync.
                        s.retired.insert(contentsOf: retired.dropFirst(synced), at: 0)
                        s.directoryChanged = s.directoryChanged || directory
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
