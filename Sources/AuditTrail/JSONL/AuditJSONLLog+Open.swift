import Logging

extension AuditJSONLLog {
    /// Opens (creating the directory if needed) the log and recovers its head from the newest
    /// day file's last complete line. A torn last line — bytes after the last `\n`, left by an
    /// append that never finished and so was never acknowledged — is cut off (and logged). With
    /// ``Configuration/idempotentClientIDs`` every file is read to learn the stored ids.
    ///
    /// ```swift
    /// let log = try AuditJSONLLog.open(configuration: .init(directory: "audit"), logger: logger)
    /// print(log.head.seq)
    /// ```
    /// - Throws: ``AuditTrailError`` `.storeFailure` when a file cannot be read, or when the
    ///   newest line is not an event line (run ``AuditJSONLVerifier`` on the directory).
    public static func open(configuration: Configuration, logger: Logger) throws -> AuditJSONLLog {
        let directory = configuration.directory
        try AuditPrivateFiles.makeDirectory(directory, logger: logger)
        let files = try AuditJSONLFiles.dayFiles(in: directory)
        var head = AuditChainHead(seq: 0, hash: AuditChain.genesis)
        var headReceivedAt = AuditTime(milliseconds: 0)
        for (index, name) in files.enumerated().reversed() {
            let path = directory + "/" + name
            var last: [UInt8]?
            let end = try AuditJSONLLines.scan(path, from: 0) { line, _ in
                last = line
                return true
            }
            if end.tornBytes > 0 {
                guard index == files.count - 1 else {
                    throw AuditTrailError(.storeFailure, "\(name) ends inside a line but is not the newest day file; verify the log")
                }
                try AuditJSONLFiles.truncate(path, to: end.complete)
                logger.warning(
                    "audit JSONL log: cut off a torn last line (an append that never finished)",
                    metadata: ["audit.jsonl.file": "\(name)", "audit.jsonl.torn_bytes": "\(end.tornBytes)"]
                )
            }
            guard let last else { continue }
            guard let row = AuditJSONLLines.event(last), let event = try? row.decoded() else {
                throw AuditTrailError(.storeFailure, "the last line of \(name) is not an event line; verify the log")
            }
            head = AuditChainHead(seq: row.seq, hash: row.hash)
            headReceivedAt = event.receivedAt
            break
        }
        var state = State(head: head, headReceivedAt: headReceivedAt)
        if configuration.idempotentClientIDs {
            state.ids = try storedIDs(directory: directory, files: files, upTo: head.seq)
        }
        logger.debug("audit JSONL log opened", metadata: ["audit.jsonl.directory": "\(directory)", "audit.chain.seq": "\(head.seq)"])
        return AuditJSONLLog(configuration: configuration, logger: logger, state: state)
    }

    /// Every stored event's id and result (`created == false`), for the idempotency rule.
    private static func storedIDs(directory: String, files: [String], upTo headSeq: Int64) throws -> [String: AuditAppendResult] {
        var ids: [String: AuditAppendResult] = [:]
        for name in files {
            try AuditJSONLLines.scan(directory + "/" + name, from: 0) { line, _ in
                guard let row = AuditJSONLLines.event(line), row.seq <= headSeq else { return true }
                let event = try row.decoded()
                var result = AuditAppendResult(id: event.id, seq: row.seq, hash: row.hash, receivedAt: event.receivedAt, created: false)
                result.ingestedBy = event.ingestedBy
                ids[event.id] = result
                return true
            }
        }
        return ids
    }
}
