import Synchronization

/// How long a read of the log may take, and whether it is still wanted: what a store checks
/// while it answers, and what makes it interrupt a statement under way.
///
/// A budget is handed down as a task-local (``current``): the server sets one per connection
/// (no time limit, cancelled when the client goes away) and one per read route (the
/// `--query-timeout`), which inherits the connection's. A store that runs a statement checks
/// ``overrun(now:)`` before it starts and interrupts it when the budget runs out or the calling
/// task is cancelled, throwing ``AuditTrailError/Code/timedOut`` or
/// ``AuditTrailError/Code/cancelled``.
///
/// ```swift
/// let page = try await AuditReadBudget.$current.withValue(AuditReadBudget(limit: .seconds(10))) {
///     try await store.events(matching: query)
/// }
/// ```
public final class AuditReadBudget: Sendable {
    /// The time the read may take; nil: no limit of its own.
    public let limit: Duration?
    /// When ``limit`` runs out.
    public let deadline: ContinuousClock.Instant?
    /// The enclosing budget, whose deadline and cancellation hold too.
    public let parent: AuditReadBudget?
    private let cancelled = Atomic<Bool>(false)

    /// The budget of the read under way in this task, if any.
    @TaskLocal public static var current: AuditReadBudget?

    /// A budget of `limit` from now (nil: none of its own) inside `parent` (by default the
    /// current one).
    public init(limit: Duration?, parent: AuditReadBudget? = AuditReadBudget.current) {
        self.limit = limit
        self.deadline = limit.map { ContinuousClock.now.advanced(by: $0) }
        self.parent = parent
    }

    /// Marks the read unwanted (the client went away): statements under way are interrupted.
    /// Safe from any thread.
    public func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Whether this budget or an enclosing one was cancelled.
    public var isCancelled: Bool { cancelled.load(ordering: .relaxed) || (parent?.isCancelled ?? false) }

    /// The error that ends the read at `now` — cancelled, or a time budget spent — or nil while
    /// it may go on.
    public func overrun(now: ContinuousClock.Instant = .now) -> AuditTrailError? {
        if isCancelled { return AuditTrailError(.cancelled, "the read was cancelled: its client went away") }
        var budget: AuditReadBudget? = self
        while let current = budget {
            if let deadline = current.deadline, let limit = current.limit, now >= deadline {
                return AuditTrailError(.timedOut, "the read took longer than its time budget of \(Self.seconds(limit)) (the query timeout)")
            }
            budget = current.parent
        }
        return nil
    }

    /// Runs `operation` within a budget of `limit` inside the current one (a route's query
    /// timeout, a live tail's page); nil runs it within the current budget as it is.
    public static func within<T>(_ limit: Duration?, _ operation: () async throws -> T) async rethrows -> T {
        guard let limit else { return try await operation() }
        return try await $current.withValue(AuditReadBudget(limit: limit), operation: operation)
    }

    /// Throws ``overrun(now:)``'s error, if any.
    public func check() throws(AuditTrailError) {
        if let error = overrun() { throw error }
    }

    /// `10 s`, `0.25 s`.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(Double(milliseconds) / 1000) s"
    }
}
