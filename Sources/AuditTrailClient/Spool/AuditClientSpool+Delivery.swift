import AuditTrail
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The sender's side: reading what is durable, acknowledging what the server stored, and moving a
/// poisoned event aside.
extension AuditClientSpool {
    /// Up to `maxRecords` durable records from `position`, all from one segment. At the end of
    /// a segment that is no longer written the batch is empty and ``Batch/next`` is the next
    /// segment's start; at the durable end it is empty and `next == position`.
    public func read(from position: Position, maxRecords: Int, maxBytes: Int = 4 << 20) throws(AuditClientError) -> Batch {
        let durableEnd = state.withLock { $0.durableEnd }
        guard position < durableEnd else { return Batch(records: [], next: position) }
        let segmentPath = path(position.segment)
        guard let fd = try AuditSpoolFiles.openForReading(segmentPath) else {
            // Only a segment before the last can be missing (removed after its acknowledgement).
            return Batch(records: [], next: Position(segment: position.segment + 1, offset: 0))
        }
        defer { AuditSpoolFiles.closeDescriptor(fd) }
        let limit = position.segment == durableEnd.segment ? durableEnd.offset : try AuditSpoolFiles.size(fd, path: segmentPath)
        guard position.offset < limit else { return Batch(records: [], next: Position(segment: position.segment + 1, offset: 0)) }
        // Read in steps of `readStep` (not the whole window at once: the sender asks for a batch,
        // usually far less than the window, while the spool may hold megabytes), until
        // `maxRecords` lines are complete, the window is full or the durable end is reached. The
        // window is allocated uninitialised: only the pages read into are ever touched.
        let window = Int(min(Int64(max(maxBytes, 128 << 10)), limit - position.offset))
        var lineEnds: [Int] = []
        lineEnds.reserveCapacity(min(maxRecords, 4096))
        var failed: AuditClientError?
        let bytes = [UInt8](unsafeUninitializedCapacity: window) { buffer, filled in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            guard let base = raw.baseAddress else { return }
            var scanned = 0
            while lineEnds.count < maxRecords, filled < window {
                let step = min(Self.readStep, window - filled)
                let target = UnsafeMutableRawBufferPointer(rebasing: raw[filled..<(filled + step)])
                let read: Int
                do throws(AuditClientError) {
                    read = try AuditSpoolFiles.read(fd, at: position.offset + Int64(filled), into: target, path: segmentPath)
                } catch {
                    failed = error
                    return
                }
                filled += read
                while lineEnds.count < maxRecords, scanned < filled, let newline = memchr(base + scanned, 0x0A, filled - scanned) {
                    scanned = base.distance(to: newline) + 1
                    lineEnds.append(scanned)
                }
                scanned = lineEnds.count < maxRecords ? filled : scanned
                if read < step { break }
            }
        }
        if let failed { throw failed }
        var records: [Record] = []
        records.reserveCapacity(lineEnds.count)
        var start = 0
        for end in lineEnds {
            records.append(Record(line: bytes[start..<(end - 1)], end: Position(segment: position.segment, offset: position.offset + Int64(end))))
            start = end
        }
        return Batch(records: records, next: records.last?.end ?? position)
    }

    /// How much ``read(from:maxRecords:maxBytes:)`` reads at a time.
    static let readStep = 256 << 10

    /// Records that the server has stored everything before `position`: replaces the
    /// acknowledgement file atomically and deletes the segments wholly before it.
    ///
    /// The replacement is not fsynced (``close()`` fsyncs the last one): a crash may bring back
    /// an older acknowledgement, which only re-sends events the server already holds — their ids
    /// make that a no-op — and saves two fsyncs per batch (measured with `bench client`).
    public func acknowledge(through position: Position) throws(AuditClientError) {
        let previous = state.withLock { $0.acknowledged }
        guard position > previous else { return }
        try AuditSpoolFiles.replace(
            configuration.directory + "/" + Self.acknowledgementFileName,
            with: Array(position.fileText.utf8),
            directory: configuration.directory,
            durable: false
        )
        var released: Int64 = 0
        if position.segment == previous.segment {
            released = position.offset - previous.offset
        } else {
            for segment in previous.segment..<position.segment {
                let segmentPath = path(segment)
                if let fd = try AuditSpoolFiles.openForReading(segmentPath) {
                    let size = try AuditSpoolFiles.size(fd, path: segmentPath)
                    AuditSpoolFiles.closeDescriptor(fd)
                    released += size - (segment == previous.segment ? previous.offset : 0)
                }
                unlink(segmentPath)
            }
            released += position.offset
        }
        state.withLock { s in
            s.acknowledged = max(s.acknowledged, position)
            s.pendingBytes = max(0, s.pendingBytes - released)
        }
    }

    /// Writes a record the server refused (a 4xx for it alone) to `rejected-<segment>.jsonl`
    /// with the status and the server's detail, fsynced, so that it can be inspected and sent
    /// again by hand; the caller then acknowledges past it.
    ///
    /// Each line is `{"event": <the event>, "status": 400, "error": "...", "rejected_at": "..."}`.
    public func reject(_ record: Record, status: Int, error: String) throws(AuditClientError) -> String {
        let event = (try? JSONParser.parse(record.line)) ?? .string(String(decoding: record.line, as: UTF8.self))
        let entry: JSONValue = .object([
            "event": event, "status": .int(Int64(status)), "error": .string(error), "rejected_at": .string(AuditTime.now().rfc3339),
        ])
        let rejectedPath = configuration.directory + "/rejected-" + Self.segmentName(record.end.segment).dropFirst("segment-".count)
        let fd = try AuditSpoolFiles.openForAppend(rejectedPath)
        defer { AuditSpoolFiles.closeDescriptor(fd) }
        let size = try AuditSpoolFiles.size(fd, path: rejectedPath)
        try AuditSpoolFiles.writeAll(fd, CanonicalJSON.encode(entry) + [UInt8(ascii: "\n")], at: size, path: rejectedPath)
        try AuditSpoolFiles.sync(fd, path: rejectedPath)
        if size == 0 { try AuditSpoolFiles.syncDirectory(configuration.directory) }
        return rejectedPath
    }

    /// Refuses further appends (they throw `.shuttingDown`), closes the segment and releases the
    /// directory's lock, so that another process (or a new spool here) can open it; what is
    /// spooled stays for the next open. Call it after the last ``waitUntilDurable(_:)``.
    public func close() {
        let acknowledged = state.withLock { $0.acknowledged }
        try? AuditSpoolFiles.replace(
            configuration.directory + "/" + Self.acknowledgementFileName,
            with: Array(acknowledged.fileText.utf8),
            directory: configuration.directory
        )
        state.withLock { s in
            guard !s.closed else { return }
            s.closed = true
            for retired in s.retired { AuditSpoolFiles.closeDescriptor(retired.fd) }
            s.retired = []
            AuditSpoolFiles.closeDescriptor(s.fd)
            AuditSpoolFiles.closeDescriptor(s.lockFD)
            s.fd = -1
            s.lockFD = -1
        }
    }
}
