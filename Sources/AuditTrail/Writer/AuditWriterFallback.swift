import Logging

/// The writer's fallback: a daily ``AuditJSONLLog`` in its own directory that holds the groups the
/// store could not take, and the replay that moves them into the store, in order.
///
/// - **Spill**: ``spill(_:)`` appends a group to the log (fsynced) and marks the fallback pending;
///   while it is pending, ``spillIfPending(_:)`` sends every new group there too, behind the
///   spilled ones, so no event overtakes one accepted before it.
/// - **Replay**: ``replayBatch(into:limit:)`` reads the next events after the persisted position
///   (`replay.position`), appends them to the store with their original ids marked as client ids
///   (so a batch that is appended twice — after a crash between the store's commit and the
///   position's write, or an event whose failed commit had in fact landed — is not stored twice),
///   then persists the new position. When the position reaches the log's head, the replayed day
///   files are moved to `replayed/<UTC time>/` (a complete chain from seq 1 that still verifies
///   with ``AuditJSONLVerifier``), or deleted when ``AuditWriter/Configuration/Fallback/keepReplayed``
///   is off, the log restarts at seq 1, and the fallback is no longer pending: the writer goes
///   back to the store. The check and the switch happen in one step of this actor, so no group
///   can be spilled after the replay's last read and before the switch.
///
/// Replayed events get the store's seq, chain hash and `received_at` (the replay's time); their
/// `time` and every other field are as they were accepted.
actor AuditWriterFallback {
    let log: AuditJSONLLog
    let configuration: AuditWriter.Configuration.Fallback
    let logger: Logger
    /// The last replayed position (persisted in ``positionPath``).
    private(set) var position: AuditJSONLLog.Position
    /// Whether the log holds events not yet replayed.
    private(set) var pending: Bool

    var positionPath: String { configuration.directory + "/replay.position" }

    /// Opens the fallback log and its replay position; finishes an archive a crash interrupted.
    init(configuration: AuditWriter.Configuration.Fallback, logger: Logger) throws {
        var logConfiguration = AuditJSONLLog.Configuration(directory: configuration.directory)
        logConfiguration.idempotentClientIDs = false
        let log = try AuditJSONLLog.open(configuration: logConfiguration, logger: logger)
        self.log = log
        self.configuration = configuration
        self.logger = logger
        let stored = try AuditJSONLFiles.contents(of: configuration.directory + "/replay.position")
        var position = try stored.map(Self.decodePosition) ?? .start
        let pending = log.head.seq > position.seq
        if !pending, log.head.seq > 0 || position.seq > 0 {
            try Self.archive(log, configuration: configuration, logger: logger)
            position = .start
        }
        if pending {
            logger.notice(
                "audit writer: the fallback log holds events to replay",
                metadata: ["audit.fallback.events": "\(log.head.seq - position.seq)", "audit.fallback.directory": "\(configuration.directory)"]
            )
        }
        self.position = position
        self.pending = pending
    }

    /// Appends `events` to the fallback log when it is pending (so they queue behind the spilled
    /// ones); nil when it is not, and the store should take them.
    func spillIfPending(_ events: [PreparedAuditEvent]) throws(AuditTrailError) -> [AuditAppendResult]? {
        guard pending else { return nil }
        return try spill(events)
    }

    /// Appends `events` to the fallback log (fsynced) and marks it pending.
    func spill(_ events: [PreparedAuditEvent]) throws(AuditTrailError) -> [AuditAppendResult] {
        var results = try log.appendSynchronously(events)
        pending = true
        for index in results.indices { results[index].spilled = true }
        return results
    }

    /// Replays up to `limit` events into `store` and persists the position. Returns the store's
    /// results of the batch (empty when there was nothing to replay), and whether the fallback
    /// is now drained (the writer is back on the store).
    /// - Throws: the store's error (the position stays; the batch is replayed again later).
    func replayBatch(into store: any AuditStoreAppender, limit: Int) async throws -> (results: [AuditAppendResult], drained: Bool) {
        guard pending else { return ([], true) }
        let (rows, next) = try log.rows(from: position, limit: limit)
        var results: [AuditAppendResult] = []
        if !rows.isEmpty {
            let prepared = try rows.map { row in PreparedAuditEvent(event: try row.decoded(), clientID: true) }
            results = try await store.append(prepared)
            position = next
            try AuditJSONLFiles.replace(positionPath, with: Self.encode(position), directory: configuration.directory)
        }
        // No suspension from here on: a spill cannot slip in between the check and the switch.
        guard position.seq >= log.head.seq else { return (results, false) }
        try Self.archive(log, configuration: configuration, logger: logger)
        position = .start
        pending = false
        return (results, true)
    }

    /// Moves (or deletes) the replayed day files, forgets the position, restarts the log at seq 1.
    private static func archive(_ log: AuditJSONLLog, configuration: AuditWriter.Configuration.Fallback, logger: Logger) throws {
        let destination: String?
        if configuration.keepReplayed {
            let stamp = String(AuditTime.now().rfc3339.map { $0 == ":" ? "-" : $0 })
            destination = configuration.directory + "/replayed/" + stamp + "-seq\(log.head.seq)"
        } else {
            destination = nil
        }
        let moved = try log.archive(to: destination)
        try AuditJSONLFiles.remove(configuration.directory + "/replay.position")
        try AuditJSONLFiles.syncDirectory(configuration.directory)
        logger.notice(
            "audit writer: the fallback log is replayed",
            metadata: ["audit.fallback.files": "\(moved)", "audit.fallback.archive": "\(destination ?? "deleted")"]
        )
    }

    static func encode(_ position: AuditJSONLLog.Position) -> [UInt8] {
        var out = CanonicalJSON.encode([
            "file": position.file.map(JSONValue.string) ?? .null, "offset": .int(position.offset), "seq": .int(position.seq),
        ])
        out.append(0x0A)
        return out
    }

    static func decodePosition(_ bytes: [UInt8]) throws -> AuditJSONLLog.Position {
        guard case .object(let body) = try JSONParser.parse(bytes), let offset = body["offset"]?.int64Value,
            let seq = body["seq"]?.int64Value
        else { throw AuditTrailError(.storeFailure, "the fallback's replay.position is not {\"file\",\"offset\",\"seq\"}") }
        return AuditJSONLLog.Position(file: body["file"]?.stringValue, offset: offset, seq: seq)
    }
}
