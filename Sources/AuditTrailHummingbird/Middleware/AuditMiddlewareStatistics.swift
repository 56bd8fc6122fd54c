import Synchronization

/// Counters of one ``AuditMiddleware``: how many events it handed to its sink, and how many the
/// sink refused (fail-open) or failed to write (fail-closed). Cheap to read at any time.
///
/// ```swift
/// let middleware = AuditMiddleware<BasicRequestContext>(sink: sink)
/// print(middleware.statistics.refused)   // events lost to a full queue or an invalid event
/// ```
public final class AuditMiddlewareStatistics: Sendable {
    private let recordedCount = Atomic<Int>(0)
    private let refusedCount = Atomic<Int>(0)
    private let writeFailureCount = Atomic<Int>(0)

    /// Counters at zero.
    public init() {}

    /// Events the sink accepted.
    public var recorded: Int { recordedCount.load(ordering: .relaxed) }
    /// Events the sink refused in fail-open mode (the request succeeded without its event).
    public var refused: Int { refusedCount.load(ordering: .relaxed) }
    /// Events the sink failed to write in fail-closed mode (the client got 503).
    public var writeFailures: Int { writeFailureCount.load(ordering: .relaxed) }

    func countRecorded() { recordedCount.add(1, ordering: .relaxed) }
    func countRefused() { refusedCount.add(1, ordering: .relaxed) }
    func countWriteFailure() { writeFailureCount.add(1, ordering: .relaxed) }
}
