import AuditTrail
import Synchronization

/// Fault injection for any real store: appends pass through to it until the test switches the
/// store "down" (every append throws before reaching it) or slows it, and ``loseNextAnswer()``
/// makes the next append commit and then throw — a commit whose acknowledgement was lost.
///
/// The store behind it is real (SQLite in this package's tests); only the failures are made up.
///
/// ```swift
/// let appender = AuditSwitchableAppender(sqliteStore)
/// let writer = AuditWriter(store: appender, configuration: withFallback, logger: logger)
/// appender.setDown(true)    // commits now fail; the writer spills to its fallback
/// ```
public final class AuditSwitchableAppender: AuditStoreAppender {
    /// The real store.
    public let base: any AuditStoreAppender
    private let down = Mutex(false)
    private let lostAnswer = Mutex(false)
    private let delay = Mutex(Duration.zero)
    private let refusedCount = Mutex(0)

    /// Wraps `base`, up and without delay.
    public init(_ base: any AuditStoreAppender) { self.base = base }

    /// Appends refused while down.
    public var refused: Int { refusedCount.withLock { $0 } }

    /// Switches the store down (`true`: every append throws) or up.
    public func setDown(_ value: Bool) { down.withLock { $0 = value } }

    /// The next append commits, then throws.
    public func loseNextAnswer() { lostAnswer.withLock { $0 = true } }

    /// Delays every append by `value` before it reaches the store.
    public func setDelay(_ value: Duration) { delay.withLock { $0 = value } }

    public func append(_ events: [PreparedAuditEvent]) async throws -> [AuditAppendResult] {
        let wait = delay.withLock { $0 }
        if wait > .zero { try await Task.sleep(for: wait) }
        if down.withLock({ $0 }) {
            refusedCount.withLock { $0 += 1 }
            throw AuditTrailError(.storeFailure, "the store is down (test switch)")
        }
        let results = try await base.append(events)
        if lostAnswer.withLock({ value in
            defer { value = false }
            return value
        }) {
            throw AuditTrailError(.storeFailure, "the commit landed but its answer was lost (test switch)")
        }
        return results
    }
}
