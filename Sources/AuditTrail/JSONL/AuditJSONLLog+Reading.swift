import Synchronization

extension AuditJSONLLog {
    /// A place in the log: after event ``seq``, the next line starts at byte ``offset`` of
    /// ``file`` (nil: the log's first day file). Reading from a position skips no event and
    /// repeats none, so a reader that keeps its position (the writer's replay) reads each line once.
    public struct Position: Sendable, Hashable {
        /// The day file the next line is in (nil before the first).
        public var file: String?
        /// The byte offset of the next line in ``file``.
        public var offset: Int64
        /// The seq of the last event before this position (0 at the start).
        public var seq: Int64

        /// The position before the first event.
        public static let start = Position(file: nil, offset: 0, seq: 0)

        /// A position; see the properties.
        public init(file: String?, offset: Int64, seq: Int64) {
            self.file = file
            self.offset = offset
            self.seq = seq
        }
    }

    /// Up to `limit` events after `position`, in seq order, exactly as stored (ids decoded), and
    /// the position after the last one. Reads only events up to the head (never a line being
    /// written).
    ///
    /// ```swift
    /// var position = AuditJSONLLog.Position.start
    /// while true {
    ///     let (rows, next) = try log.rows(from: position, limit: 1000)
    ///     if rows.isEmpty { break }
    ///     position = next
    /// }
    /// ```
    public func rows(from position: Position, limit: Int) throws -> (rows: [AuditStoredEvent], next: Position) {
        try state.withLock { state in
            let head = state.head.seq
            var rows: [AuditStoredEvent] = []
            var current = position
            guard current.seq < head, limit > 0 else { return (rows, current) }
            let files = try AuditJSONLFiles.dayFiles(in: configuration.directory)
            var index = current.file.flatMap { files.firstIndex(of: $0) } ?? 0
            if current.file == nil { current.offset = 0 }
            while index < files.count, rows.count < limit, current.seq < head {
                let name = files[index]
                if current.file != name {
                    current.file = name
                    current.offset = 0
                }
                try AuditJSONLLines.scan(configuration.directory + "/" + name, from: current.offset) { line, start in
                    guard var row = AuditJSONLLines.event(line) else {
                        throw AuditTrailError(.tampered, "a line of \(name) is not an event line; verify the log", seq: current.seq + 1)
                    }
                    current.offset = start + Int64(line.count + 1)
                    if row.seq <= current.seq { return true }
                    guard row.seq == current.seq + 1 else {
                        throw AuditTrailError(.tampered, "\(name) skips from seq \(current.seq) to \(row.seq); verify the log", seq: current.seq + 1)
                    }
                    row.id = try row.decoded().id
                    rows.append(row)
                    current.seq = row.seq
                    return rows.count < limit && current.seq < head
                }
                if rows.count < limit, current.seq < head { index += 1 }
            }
            return (rows, current)
        }
    }

    /// Up to `limit` events with seq > `afterSeq`, in seq order (a walk from the first file).
    public func rows(after afterSeq: Int64, limit: Int) throws -> [AuditStoredEvent] {
        var position = Position.start
        var rows: [AuditStoredEvent] = []
        while rows.count < limit {
            let (page, next) = try self.rows(from: position, limit: max(limit, 1000))
            if page.isEmpty { break }
            rows += page.lazy.filter { $0.seq > afterSeq }.prefix(limit - rows.count)
            position = next
        }
        return rows
    }
}

extension AuditJSONLLog {
    /// Moves every day file to `destination` (created; nil deletes them) and restarts the log
    /// empty, at seq 1 and the genesis hash — for the writer's fallback once it is replayed.
    /// Returns the number of files moved or deleted.
    package func archive(to destination: String?) throws(AuditTrailError) -> Int {
        try state.withLock { state throws(AuditTrailError) -> Int in
            if state.fd >= 0 { AuditJSONLFiles.closeFile(state.fd) }
            state.fd = -1
            state.fileName = nil
            state.size = 0
            let files = try AuditJSONLFiles.dayFiles(in: configuration.directory)
            if let destination, !files.isEmpty { try AuditPrivateFiles.makeDirectory(destination, logger: nil) }
            for name in files {
                let path = configuration.directory + "/" + name
                if let destination {
                    try AuditJSONLFiles.move(path, to: destination + "/" + name)
                } else {
                    try AuditJSONLFiles.remove(path)
                }
            }
            if let destination, !files.isEmpty { try AuditJSONLFiles.syncDirectory(destination) }
            state.head = AuditChainHead(seq: 0, hash: AuditChain.genesis)
            state.headReceivedAt = AuditTime(milliseconds: 0)
            if state.ids != nil { state.ids = [:] }
            return files.count
        }
    }
}
