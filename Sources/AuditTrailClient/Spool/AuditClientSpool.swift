import AuditTrail
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The client's durable outbox: append-only segment files of one JSON event per line, an
/// acknowledgement offset, and group fsync.
///
/// ``append(_:)`` writes a line under a lock (no fsync); ``waitUntilDurable(_:)`` returns once an
/// fsync that covers it has returned, and concurrent waiters share one fsync (group commit). The
/// sender reads only what is durable (``read(from:maxRecords:)``), and after the server has
/// stored a batch moves the acknowledgement (``acknowledge(through:)``), written atomically to
/// the file `ack`; segments wholly before it are deleted. On open a torn last line (a crash
/// during a write, before the fsync that would have acknowledged it to its caller) is dropped,
/// and everything after the acknowledgement is delivered again. The spool holds at most
/// ``Configuration/maxBytes`` of unacknowledged events: past that ``append(_:)`` throws
/// ``AuditTrail/AuditTrailError/Code/overloaded`` and drops nothing.
///
/// ```swift
/// let spool = try AuditClientSpool(configuration: .init(directory: "/var/spool/audit"), logger: logger)
/// let ticket = try spool.append(AuditEventInput(action: "user.login").jsonBytes)
/// try await spool.waitUntilDurable(ticket)
/// ```
public final class AuditClientSpool: Sendable {
    /// Where the spool lives and how large it may grow.
    public struct Configuration: Sendable {
        /// The spool directory (created when missing); one client process at a time (`flock`).
        public var directory: String
        /// Most bytes of unacknowledged events before appends throw `.overloaded`. Default 256 MiB.
        public var maxBytes: Int64 = 256 << 20
        /// A segment file is closed and a new one started past this size. Default 8 MiB.
        public var segmentBytes: Int64 = 8 << 20

        /// A spool in `directory` with the default limits.
        public init(directory: String) { self.directory = directory }
    }

    struct State {
        var fd: Int32
        /// The `flock`ed lock file, held until ``AuditClientSpool/close()``.
        var lockFD: Int32
        /// The end of the current (last) segment.
        var end: Position
        var appended: UInt64 = 0
        var synced: UInt64 = 0
        /// The end of what the last fsync covered: the sender reads no further.
        var durableEnd: Position
        /// Segments finished since the last group fsync, still open: the next fsync covers them
        /// first (a rotation does not fsync, so `append` never waits for the disk).
        var retired: [(fd: Int32, segment: Int64)] = []
        /// A segment file was created since the last group fsync: its directory entry needs one too.
        var directoryChanged = false
        var syncing = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var pendingBytes: Int64
        var acknowledged: Position
        var closed = false
    }

    /// The configuration this spool was opened with.
    public let configuration: Configuration
    let state: Mutex<State>
    let logger: Logger

    /// Opens (or creates) the spool, drops a torn last line, and resumes from the acknowledgement.
    ///
    /// - Throws: ``AuditClientError/Code/spoolFailure`` when the directory cannot be used or
    ///   another process holds it.
    public init(configuration: Configuration, logger: Logger) throws(AuditClientError) {
        self.configuration = configuration
        self.logger = logger
        let recovered = try Self.recover(configuration: configuration, logger: logger)
        state = Mutex(
            State(
                fd: recovered.fd,
                lockFD: recovered.lockFD,
                end: recovered.end,
                durableEnd: recovered.end,
                pendingBytes: recovered.pendingBytes,
                acknowledged: recovered.acknowledged
            )
        )
    }

    deinit {
        state.withLock { s in
            for retired in s.retired { AuditSpoolFiles.closeDescriptor(retired.fd) }
            if s.fd >= 0 { AuditSpoolFiles.closeDescriptor(s.fd) }
            if s.lockFD >= 0 { AuditSpoolFiles.closeDescriptor(s.lockFD) }
        }
    }

    /// The position the server has acknowledged up to: a restarted sender resumes here.
    public var acknowledged: Position { state.withLock { $0.acknowledged } }

    /// Bytes of events not yet acknowledged by the server.
    public var pendingBytes: Int64 { state.withLock { $0.pendingBytes } }

    /// Whether every durable event has been acknowledged and nothing waits for an fsync.
    public var isDrained: Bool { state.withLock { $0.acknowledged >= $0.end } }

    /// Appends one event line (the newline is added) without waiting for an fsync; returns the
    /// ticket to pass to ``waitUntilDurable(_:)``.
    ///
    /// - Throws: `.overloaded` when the spool is full, `.shuttingDown` once closed,
    ///   `.storeFailure` when the write fails (nothing of the line is left behind).
    public func append(_ line: consuming [UInt8]) throws(AuditTrailError) -> UInt64 {
        // Consumed: a line made for the spool (the client's) gets its newline in place, without a copy.
        var terminated = line
        terminated.append(UInt8(ascii: "\n"))
        let size = Int64(terminated.count)
        return try state.withLock { (s: inout State) throws(AuditTrailError) -> UInt64 in
            guard !s.closed else { throw AuditTrailError(.shuttingDown, "the client spool is closed") }
            guard s.pendingBytes + size <= configuration.maxBytes else {
                throw AuditTrailError(
                    .overloaded,
                    "the client spool is full (\(configuration.maxBytes) bytes not yet delivered); retry when the server is reachable"
                )
            }
            do throws(AuditClientError) {
                if s.end.offset > 0, s.end.offset + size > configuration.segmentBytes { try rotate(&s) }
                try AuditSpoolFiles.writeAll(s.fd, terminated, at: s.end.offset, path: path(s.end.segment))
            } catch {
                throw AuditTrailError(.storeFailure, "the client spool cannot be written: \(error.message)")
            }
            s.end.offset += size
            s.pendingBytes += size
            s.appended += 1
            return s.appended
        }
    }

    /// Starts the next segment without waiting for the disk: the finished one stays open until
    /// the next group fsync has synced it (before the new one, and the directory), so nothing
    /// after a line is reported durable before that line is. A crash before that fsync can leave
    /// a torn line at the end of any segment not yet synced; recovery drops it in each.
    private func rotate(_ s: inout State) throws(AuditClientError) {
        let next = Position(segment: s.end.segment + 1, offset: 0)
        let fd = try AuditSpoolFiles.openForAppend(path(next.segment))
        s.retired.append((s.fd, s.end.segment))
        s.directoryChanged = true
        s.fd = fd
        s.end = next
    }

    /// The path of segment `segment`.
    func path(_ segment: Int64) -> String { configuration.directory + "/" + Self.segmentName(segment) }

    /// The number of the segment appends go to: every segment before it is finished.
    var lastSegment: Int64 { state.withLock { $0.end.segment } }

    /// The ticket of the newest append: waiting for it makes everything appended so far durable.
    public var lastTicket: UInt64 { state.withLock { $0.appended } }
}
