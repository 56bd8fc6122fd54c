import AuditTrail
import Logging
import Synchronization

/// The sender's loop: up to ``AuditClient/Configuration/maxBatchesInFlight`` batches on the
/// wire at once, in one ordered stream, resolved in spool order.
///
/// Each batch carries `Audit-Batch-Stream` (a token new for every stream) and `Audit-Batch-Sequence`
/// (the number of its first event in the stream), so the server queues the batches in the
/// spool's order whatever order they arrive in. The acknowledgement moves only over a prefix of
/// stored batches. A batch that was not stored is delivered again on its own, in order (split
/// when refused, after a backoff when the server is busy or down) while the later ones stay on
/// the wire; when an event had to be moved aside, the server's stream can no longer continue,
/// so the batches after it go one by one without the headers and a new stream starts after them.
extension AuditClient {
    /// Where the sender reads next and how it numbers what it sends.
    struct StreamCursor {
        var position: AuditClientSpool.Position
        /// The stream's token; nil when one batch at a time is sent (no stream headers).
        var token: String?
        /// The number of the next event in the stream.
        var number: UInt64 = 0

        init(position: AuditClientSpool.Position, ordered: Bool) {
            self.position = position
            token = ordered ? AuditEventID.makeUUIDv7(at: .now()) : nil
        }
    }

    /// One batch on the wire.
    struct InFlight: Sendable {
        var records: [AuditClientSpool.Record]
        /// The stream and the number of the first event, when sent as part of a stream.
        var stream: (token: String, first: UInt64)?
        /// Where the read after this batch starts.
        var next: AuditClientSpool.Position
    }

    /// Until cancelled: read batches, keep the window full, resolve answers in order, check
    /// consistency when due.
    func sendLoop() async {
        let ordered = configuration.maxBatchesInFlight > 1
        var cursor = StreamCursor(position: spool.acknowledged, ordered: ordered)
        var partialSince: ContinuousClock.Instant?
        var lastCheck: ContinuousClock.Instant?
        let clock = ContinuousClock()
        let poll = min(configuration.flushInterval, .milliseconds(20))
        await withTaskGroup(of: (Int, Outcome).self) { group in
            var window: [Int: InFlight] = [:]
            var answers: [Int: Outcome] = [:]
            var nextIndex = 0
            var resolveIndex = 0
            while !Task.isCancelled {
                do {
                    while window.count < configuration.maxBatchesInFlight,
                        let batch = try await nextBatch(&cursor, partialSince: &partialSince, idle: window.isEmpty, clock: clock)
                    {
                        let index = nextIndex
                        nextIndex += 1
                        window[index] = batch
                        group.addTask { (index, await self.send(batch.records[...], stream: batch.stream)) }
                    }
                    if window.isEmpty {
                        if let interval = configuration.consistencyCheckInterval, lastCheck.map({ clock.now - $0 >= interval }) ?? true {
                            lastCheck = clock.now
                            _ = try? await verifyLog()
                        }
                        try await Task.sleep(for: poll)
                        continue
                    }
                    guard let (index, outcome) = await group.next() else { continue }
                    answers[index] = outcome
                    var streamBroken = false
                    while let outcome = answers.removeValue(forKey: resolveIndex), let batch = window.removeValue(forKey: resolveIndex) {
                        resolveIndex += 1
                        if case .stored = outcome {
                            try acknowledge(batch.records)
                            continue
                        }
                        // Delivered again on its own; while it is retried the later batches wait
                        // on the server for it (and are retried in turn if they time out).
                        let stream = streamBroken ? nil : batch.stream
                        if try await deliver(batch.records[...], stream: stream, first: outcome) { streamBroken = true }
                    }
                    if streamBroken {
                        // The server's stream waits for an event that will never come: the rest of
                        // the window goes one by one, then a new stream starts.
                        for (index, outcome) in await Self.drain(&group) { answers[index] = outcome }
                        while let outcome = answers.removeValue(forKey: resolveIndex), let batch = window.removeValue(forKey: resolveIndex) {
                            resolveIndex += 1
                            if case .stored = outcome {
                                try acknowledge(batch.records)
                            } else {
                                _ = try await deliver(batch.records[...], stream: nil, first: outcome)
                            }
                        }
                        cursor = StreamCursor(position: cursor.position, ordered: ordered)
                    }
                    if lastCheck == nil || window.isEmpty, let interval = configuration.consistencyCheckInterval,
                        lastCheck.map({ clock.now - $0 >= interval }) ?? true
                    {
                        lastCheck = clock.now
                        _ = try? await verifyLog()
                    }
                } catch is CancellationError {
                    break
                } catch {
                    logger.error("audit client spool failure", metadata: ["audit.error": "\(error)"])
                    statusBox.withLock { $0.lastError = "\(error)" }
                    // Start over from the acknowledgement: what was stored meanwhile is a no-op again.
                    _ = await Self.drain(&group)
                    window = [:]
                    answers = [:]
                    resolveIndex = nextIndex
                    cursor = StreamCursor(position: spool.acknowledged, ordered: ordered)
                    try? await Task.sleep(for: configuration.retryBackoffMax)
                }
            }
            group.cancelAll()
        }
    }

    /// The next batch to send from `cursor` (advanced past it), or nil when there is nothing to
    /// send yet: nothing durable, or a partial batch younger than the flush interval while other
    /// batches are on the wire.
    ///
    /// A partial batch waits to fill only while the wire is busy (`idle` false): with nothing in
    /// flight it goes at once, so a quiet client adds no delay and a busy one still sends full
    /// batches. A batch cut short by the end of a finished segment never fills and goes at once
    /// too (waiting for it stalled the stream for a flush interval every 8 MiB).
    private func nextBatch(
        _ cursor: inout StreamCursor,
        partialSince: inout ContinuousClock.Instant?,
        idle: Bool,
        clock: ContinuousClock
    ) async throws -> InFlight? {
        while true {
            var batch = try spool.read(from: cursor.position, maxRecords: configuration.batchSize)
            if batch.records.count < configuration.batchSize {
                // Only what is fsynced is sent. A group fsync here only when the durable part is
                // short of a batch: the sync loop keeps syncing on its beat.
                try await spool.syncAll()
                batch = try spool.read(from: cursor.position, maxRecords: configuration.batchSize)
            }
            if batch.records.isEmpty {
                // The end of a finished segment: read on in the next one (acknowledging a batch
                // there removes this one).
                if batch.next != cursor.position {
                    cursor.position = batch.next
                    continue
                }
                partialSince = nil
                return nil
            }
            if batch.records.count < configuration.batchSize, !idle, batch.next.segment >= spool.lastSegment {
                let since = partialSince ?? clock.now
                partialSince = since
                if clock.now - since < configuration.flushInterval { return nil }
            }
            partialSince = nil
            let stream = cursor.token.map { (token: $0, first: cursor.number) }
            cursor.position = batch.next
            cursor.number += UInt64(batch.records.count)
            return InFlight(records: batch.records, stream: stream, next: batch.next)
        }
    }

    /// Moves the acknowledgement past `records`, stored by the server.
    private func acknowledge(_ records: [AuditClientSpool.Record]) throws {
        guard let last = records.last else { return }
        try spool.acknowledge(through: last.end)
        statusBox.withLock { s in
            s.delivered += records.count
            s.lastError = nil
        }
    }

    /// Waits for every batch still on the wire and returns their answers.
    private static func drain(_ group: inout TaskGroup<(Int, Outcome)>) async -> [(Int, Outcome)] {
        var answers: [(Int, Outcome)] = []
        while let answer = await group.next() { answers.append(answer) }
        return answers
    }
}
