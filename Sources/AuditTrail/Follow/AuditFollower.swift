/// Reads the events matching a query that were committed after a position, oldest first, a page
/// at a time: what a live tail, a stream to another system and an alert rule read. Nothing is
/// skipped and nothing is read twice, whatever the store's index has caught up with.
///
/// Each read first takes the store's head, then asks for the matching events after the position
/// (the query's filters and search, in seq order, from a cursor). Everything committed up to that
/// head is visible to the second read (the log's commits become visible in seq order: SQLite has
/// one writer, PostgreSQL's appends hold the chain head's row until they commit), so once a page
/// comes back short the position moves to that head — a filter that matches rarely does not
/// re-read what it has already passed.
///
/// ```swift
/// var follower = AuditFollower(store: store, query: query, after: lastSeen)
/// while true {
///     let read = try await follower.next()
///     for event in read.events { deliver(event) }
///     if read.caughtUp { await subscription.wait(beyond: follower.position, timeout: .seconds(1)) }
/// }
/// ```
public struct AuditFollower: Sendable {
    /// What one ``next()`` read.
    public struct Read: Sendable {
        /// The matching events, in seq order (at most a page).
        public var events: [AuditStoredEvent]
        /// The store's head when the read began.
        public var head: Int64
        /// Whether everything up to ``head`` has now been read (else more pages follow at once).
        public var caughtUp: Bool
    }

    /// Most events one read returns, by default.
    public static let defaultPageSize = 500

    /// The store read.
    public let store: any AuditStoreReader
    /// The filters and search; its order, cursor and limit are the follower's own.
    public let query: AuditQuery
    /// Every matching event with a seq up to here has been returned.
    public private(set) var position: Int64
    /// Most events one read returns.
    public let pageSize: Int

    /// A follower of `query`'s events after seq `position` (0: from the start of the log).
    public init(store: any AuditStoreReader, query: AuditQuery, after position: Int64, pageSize: Int = defaultPageSize) {
        self.store = store
        self.query = query
        self.position = max(0, position)
        self.pageSize = max(1, pageSize)
    }

    /// The next matching events after ``position``, and whether the follower has caught up with
    /// the head; moves the position past what it read.
    public mutating func next() async throws -> Read {
        let head = try await store.head().seq
        guard head > position else { return Read(events: [], head: head, caughtUp: true) }
        var page = query
        page.order = .asc
        page.cursor = AuditCursor(afterSeq: position)
        page.limit = pageSize
        let answer = try await store.events(matching: page)
        let within = Array(answer.events.prefix { $0.seq <= head })
        // Short of a page, or past the head: every match up to the head is in hand.
        let caughtUp = answer.nextCursor == nil || within.count < answer.events.count
        if caughtUp {
            position = head
        } else if let next = answer.nextCursor {
            // The page's last seq as the index saw it (a row retention removed since included).
            position = next.afterSeq
        }
        return Read(events: within, head: head, caughtUp: caughtUp)
    }
}
