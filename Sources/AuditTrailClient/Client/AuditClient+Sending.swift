import AuditTrail
import Logging
import Synchronization

/// The sender: reads the spool in order and delivers it batch by batch.
extension AuditClient {
    /// What the server said about one batch.
    enum Outcome {
        /// Stored (2xx): acknowledge it.
        case stored
        /// Refused for its content (a 4xx other than 401, 403, 408, 429): split it.
        case refused(status: Int, detail: String)
        /// Not now (transport failure, 5xx, 503, 429, 401, 403): wait, then send it again.
        case retry(after: Duration?, problem: String)
    }

    /// Until cancelled: make enqueued lines durable, read a batch, send it (or wait for more
    /// when it is partial and the flush interval has not passed), check consistency when due.
    func sendLoop() async {
        var position = spool.acknowledged
        var partialSince: ContinuousClock.Instant?
        var lastCheck: ContinuousClock.Instant?
        var deliveredSinceCheck = false
        let clock = ContinuousClock()
        let poll = min(configuration.flushInterval, .milliseconds(20))
        while !Task.isCancelled {
            do {
                var batch = try spool.read(from: position, maxRecords: configuration.batchSize)
                if batch.records.count < configuration.batchSize {
                    // Only what is fsynced is sent. A group fsync here only when the durable part is
                    // short of a batch: the sync loop keeps syncing on its beat, and an fsync per
                    // batch would sit between every two POSTs.
                    try await spool.syncAll()
                    batch = try spool.read(from: position, maxRecords: configuration.batchSize)
                }
                if batch.records.isEmpty {
                    if batch.next != position {
                        // The end of a finished segment: acknowledging the next start removes it.
                        try spool.acknowledge(through: batch.next)
                        position = batch.next
                        continue
                    }
                    partialSince = nil
                    if let interval = configuration.consistencyCheckInterval, lastCheck.map({ clock.now - $0 >= interval }) ?? true {
                        lastCheck = clock.now
                        deliveredSinceCheck = false
                        _ = try? await verifyLog()
                    }
                    try await Task.sleep(for: poll)
                    continue
                }
                if batch.records.count < configuration.batchSize {
                    let since = partialSince ?? clock.now
                    partialSince = since
                    if clock.now - since < configuration.flushInterval {
                        try await Task.sleep(for: poll)
                        continue
                    }
                }
                partialSince = nil
                try await deliver(batch.records[...])
                position = batch.next
                deliveredSinceCheck = true
                if deliveredSinceCheck, let interval = configuration.consistencyCheckInterval,
                    lastCheck.map({ clock.now - $0 >= interval }) ?? true
                {
                    lastCheck = clock.now
                    deliveredSinceCheck = false
                    _ = try? await verifyLog()
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("audit client spool failure", metadata: ["audit.error": "\(error)"])
                statusBox.withLock { $0.lastError = "\(error)" }
                try? await Task.sleep(for: configuration.retryBackoffMax)
            }
        }
    }

    /// Every flush interval until cancelled: one group fsync of whatever was enqueued.
    func syncLoop() async {
        while !Task.isCancelled {
            do {
                try await spool.syncAll()
            } catch {
                logger.error("audit client spool fsync failed", metadata: ["audit.error": "\(error.message)"])
            }
            try? await Task.sleep(for: configuration.flushInterval)
        }
    }

    /// Delivers `records` (in order) until the server has stored or refused each of them;
    /// throws only `CancellationError` or a spool failure.
    func deliver(_ records: ArraySlice<AuditClientSpool.Record>) async throws {
        var backoff = AuditClientBackoff(base: configuration.retryBackoffBase, max: configuration.retryBackoffMax)
        while true {
            try Task.checkCancellation()
            switch await send(records) {
            case .stored:
                try spool.acknowledge(through: records.last!.end)
                statusBox.withLock { s in
                    s.delivered += records.count
                    s.lastError = nil
                }
                return
            case .refused(let status, let detail):
                guard records.count > 1 else {
                    try reject(records.first!, status: status, detail: detail)
                    return
                }
                // All or nothing: halve until the refused event is alone; the rest is delivered in order.
                let middle = records.startIndex + records.count / 2
                try await deliver(records[..<middle])
                try await deliver(records[middle...])
                return
            case .retry(let after, let problem):
                let wait = after ?? backoff.next()
                logger.warning(
                    "audit client: batch not stored, retrying",
                    metadata: ["audit.error": "\(problem)", "audit.retry_in": "\(wait)", "audit.batch.events": "\(records.count)"]
                )
                statusBox.withLock { $0.lastError = problem }
                try await Task.sleep(for: wait)
            }
        }
    }

    /// One `POST /v1/events/batch` of `records` as NDJSON, classified.
    func send(_ records: ArraySlice<AuditClientSpool.Record>) async -> Outcome {
        statusBox.withLock { $0.requests += 1 }
        let response: AuditServerResponse
        do {
            response = try await connection.post(
                "/v1/events/batch",
                body: AuditClientSpool.Batch.ndjson(records),
                contentType: "application/x-ndjson"
            )
        } catch {
            return .retry(after: nil, problem: error.message)
        }
        switch response.status {
        case 200..<300:
            return .stored
        case 429, 503:
            return .retry(after: response.retryAfter, problem: "the server is busy (\(response.status)): \(response.problemDetail)")
        case 401, 403, 408:
            logger.error("audit client: the server refuses the key", metadata: ["audit.status": "\(response.status)"])
            return .retry(after: nil, problem: "\(response.status): \(response.problemDetail)")
        case 400..<500:
            return .refused(status: response.status, detail: response.problemDetail)
        default:
            return .retry(after: nil, problem: "the server failed (\(response.status)): \(response.problemDetail)")
        }
    }

    /// Moves a refused event to the rejected file, logs it, and acknowledges past it.
    private func reject(_ record: AuditClientSpool.Record, status: Int, detail: String) throws {
        let file = try spool.reject(record, status: status, error: detail)
        logger.error(
            "audit client: the server refused an event; moved it aside",
            metadata: ["audit.status": "\(status)", "audit.error": "\(detail)", "audit.rejected_file": "\(file)"]
        )
        try spool.acknowledge(through: record.end)
        statusBox.withLock { $0.rejected += 1 }
    }
}
