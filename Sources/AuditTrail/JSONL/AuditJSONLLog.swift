import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The daily JSONL log: a directory of `events-YYYY-MM-DD.jsonl` files (the UTC day of each
/// event's `received_at`), one stored event per line — exactly an export's event line, the
/// canonical bytes with `,"hash":"<hex>"}` — sealed by the core ``AuditSealer``: gap-free seqs
/// from 1 and the format-v1 chain from the genesis hash, across the files. No database.
///
/// An append seals its events, writes their lines with one `write` and one `fsync` (group
/// fsync), and returns only then: an acknowledged event is on disk. Opening recovers the head
/// (last seq, chain hash, receipt time) from the newest file's last complete line and cuts off a
/// torn last line (an append that never finished, so was never acknowledged). ``AuditJSONLVerifier``
/// checks the files offline. The log keeps no Merkle tree (no checkpoints or proofs).
///
/// It is an ``AuditStoreAppender``, so an ``AuditWriter`` (and an ``AuditWriterSink``) write to it
/// unchanged; the writer also uses it as its fallback when the store is down. Appends block the
/// calling thread for the write and the `fsync`, one append at a time.
///
/// ```swift
/// let log = try AuditJSONLLog.open(configuration: .init(directory: "audit"), logger: logger)
/// let writer = AuditWriter(store: log, logger: logger)
/// let results = try log.appendSynchronously([prepared])
/// ```
public final class AuditJSONLLog: AuditStoreAppender, Sendable {
    /// Where the log lives and how it behaves.
    public struct Configuration: Sendable {
        /// The directory of the day files (created when missing).
        public var directory: String
        /// Whether an event with a client-chosen id already in the log is refused as an
        /// idempotent re-send (``AuditStoreAppender/append(_:)``'s rule). Opening then reads every
        /// file and the log keeps every event id in memory (about 100 bytes an event). Default
        /// true; the writer's fallback turns it off (its replay is idempotent in the store).
        public var idempotentClientIDs: Bool = true
        /// The clock that stamps `received_at` (and so picks the day file). Default: the system clock.
        public var now: @Sendable () -> AuditTime = { .now() }

        /// A configuration for `directory`, with the defaults above.
        public init(directory: String) { self.directory = directory }
    }

    struct State {
        var head: AuditChainHead
        var headReceivedAt: AuditTime
        /// The open day file: its name, descriptor and size.
        var fileName: String?
        var fd: Int32 = -1
        var size: Int64 = 0
        var ids: [String: AuditAppendResult]?
        var closed = false
    }

    /// The log's settings.
    public let configuration: Configuration
    let logger: Logger
    let state: Mutex<State>

    init(configuration: Configuration, logger: Logger, state: State) {
        self.configuration = configuration
        self.logger = logger
        self.state = Mutex(state)
    }

    deinit {
        state.withLock { state in
            if state.fd >= 0 { AuditJSONLFiles.closeFile(state.fd) }
        }
    }

    /// The newest seq and chain hash (seq 0 and the genesis hash for an empty log).
    public var head: AuditChainHead { state.withLock { $0.head } }

    /// The directory's path.
    public var directory: String { configuration.directory }

    /// Appends the events (see ``appendSynchronously(_:)``).
    public func append(_ events: [PreparedAuditEvent]) async throws -> [AuditAppendResult] {
        try appendSynchronously(events)
    }

    /// Seals the events after the head, writes their lines to the day file of this append's
    /// receipt time with one `write` and one `fsync`, and returns one result per event (an
    /// idempotent re-send gets the stored event's, `created == false`). On a failed write or
    /// sync the file is cut back to where it was and nothing is acknowledged. Blocks the thread.
    public func appendSynchronously(_ events: [PreparedAuditEvent]) throws(AuditTrailError) -> [AuditAppendResult] {
        guard !events.isEmpty else { return [] }
        let now = configuration.now()
        return try state.withLock { state throws(AuditTrailError) -> [AuditAppendResult] in
            guard !state.closed else { throw AuditTrailError(.storeFailure, "the JSONL log is closed") }
            var stored: [String: AuditAppendResult] = [:]
            if let ids = state.ids {
                for event in events where event.clientID {
                    if let found = ids[event.event.id] { stored[event.event.id] = found }
                }
            }
            var sealer = AuditSealer(head: state.head, headReceivedAt: state.headReceivedAt, stored: stored, now: now)
            let rows = sealer.sealAll(events)
            try sealer.requireNoConflict()
            guard !rows.isEmpty else { return sealer.results }
            try openDayFile(AuditJSONLFiles.fileName(day: sealer.receivedAt), state: &state)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(rows.count * (rows[0].canonical.count + 80))
            for row in rows { bytes += AuditExportFormat.eventLine(row.stored) }
            do throws(AuditTrailError) {
                try AuditJSONLFiles.writeAll(state.fd, bytes)
                guard fsync(state.fd) == 0 else { throw AuditJSONLFiles.failure("sync the log file") }
            } catch {
                // Nothing of this append is acknowledged: cut the file back (best effort).
                _ = ftruncate(state.fd, off_t(state.size))
                throw error
            }
            state.size += Int64(bytes.count)
            state.head = sealer.head
            state.headReceivedAt = sealer.receivedAt
            if state.ids != nil {
                for result in sealer.results where result.created {
                    var again = result
                    again.created = false
                    state.ids?[result.id] = again
                }
            }
            return sealer.results
        }
    }

    /// Makes `name` the open day file, creating it (and syncing the directory) when new.
    private func openDayFile(_ name: String, state: inout State) throws(AuditTrailError) {
        guard name != state.fileName || state.fd < 0 else { return }
        let path = configuration.directory + "/" + name
        let existed = AuditJSONLFiles.exists(path)
        let fd = try AuditJSONLFiles.openForAppending(path)
        let size: Int64
        do throws(AuditTrailError) {
            size = try AuditJSONLFiles.size(fd)
            if !existed { try AuditJSONLFiles.syncDirectory(configuration.directory) }
        } catch {
            AuditJSONLFiles.closeFile(fd)
            throw error
        }
        if state.fd >= 0 { AuditJSONLFiles.closeFile(state.fd) }
        state.fd = fd
        state.fileName = name
        state.size = size
    }

    /// Closes the open file. Appends after this throw.
    public func close() {
        state.withLock { state in
            if state.fd >= 0 { AuditJSONLFiles.closeFile(state.fd) }
            state.fd = -1
            state.closed = true
        }
    }
}
