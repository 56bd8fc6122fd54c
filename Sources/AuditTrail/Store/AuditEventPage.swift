/// One page of a query.
public struct AuditEventPage: Sendable {
    public var events: [AuditStoredEvent]
    /// Present when more events may follow.
    public var nextCursor: AuditCursor?
    public init(events: [AuditStoredEvent], nextCursor: AuditCursor?) {
        self.events = events
        self.nextCursor = nextCursor
    }
}
