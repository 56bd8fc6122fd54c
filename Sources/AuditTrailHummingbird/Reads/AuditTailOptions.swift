import AuditTrail

/// How the live tail (`GET /stream`, Server-Sent Events) of ``AuditReadRoutes`` behaves.
public struct AuditTailOptions: Sendable, Hashable {
    /// A comment line (`: heartbeat`) with the stream's position (`id:`) is sent after this long
    /// without an event, so that proxies and load balancers keep an idle stream open, and a
    /// client reconnecting resumes past what it has already been shown. Default 15 s.
    public var heartbeat: Duration = .seconds(15)
    /// How often a waiting tail looks at the store when no commit woke it: events appended by
    /// another process (PostgreSQL with several server instances) appear within it. Commits of
    /// this process's writer wake the tail at once (``AuditCommitSignal``). Default 1 s.
    public var poll: Duration = .seconds(1)
    /// A tail that has caught up with the log once and then falls further behind than this (the
    /// oldest event it has still to send was received longer ago) is a slow consumer: it gets a
    /// final `disconnect` event saying so, with the `id` to resume from, and the stream ends —
    /// a tail never buffers what its client does not take. Default 60 s.
    public var maxLag: Duration = .seconds(60)
    /// Most live tails at once; one more is a 503 with `Retry-After`. Default 256.
    public var maxStreams: Int = 256
    /// Most events read from the store at once, and sent between two looks at the lag. Default 500.
    public var pageSize: Int = AuditFollower.defaultPageSize

    /// The defaults above.
    public init() {}
}
