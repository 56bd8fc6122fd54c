import AuditTrail
import Logging
import Synchronization

/// Delivering one batch until the server has stored or refused each of its events.
extension AuditClient {
    /// Delivers `records` (in order) until the server has stored or refused each of them,
    /// starting from `first` when the batch was already sent once; returns whether an event was
    /// refused and moved aside, or the server no longer knew the stream — either way the stream
    /// cannot go on. Throws only `CancellationError` or a spool failure.
    ///
    /// With `stream`, each request carries the stream headers (a half of a split batch the
    /// number of its own first event); once an event is moved aside the rest goes without them,
    /// as the server's stream can no longer continue past it.
    func deliver(
        _ records: ArraySlice<AuditClientSpool.Record>,
        stream: (token: String, first: UInt64)?,
        first: Outcome? = nil
    ) async throws -> Bool {
        var backoff = AuditClientBackoff(base: configuration.retryBackoffBase, max: configuration.retryBackoffMax)
        var answer = first
        var stream = stream
        var broken = false
        while true {
            try Task.checkCancellation()
            let outcome: Outcome
            if let answer {
                outcome = answer
            } else {
                outcome = await send(records, stream: stream)
            }
            answer = nil
            switch outcome {
            case .stored:
                try spool.acknowledge(through: records.last!.end)
                statusBox.withLock { s in
                    s.delivered += records.count
                    s.lastError = nil
                }
                return broken
            case .refused(let status, let detail):
                guard records.count > 1 else {
                    try reject(records.first!, status: status, detail: detail)
                    return true
                }
                // All or nothing: halve until the refused event is alone; the rest is delivered in order.
                let middle = records.startIndex + records.count / 2
                let left = try await deliver(records[..<middle], stream: stream)
                let rightStream = left ? nil : stream.map { (token: $0.token, first: $0.first + UInt64(middle - records.startIndex)) }
                let right = try await deliver(records[middle...], stream: rightStream)
                return broken || left || right
            case .outOfOrder(let problem):
                // Everything before this batch is resolved, so the server does not know the stream
                // (it restarted): this batch goes on its own without the headers; a new stream
                // starts after the window.
                logger.notice("audit client: the server lost the stream; starting a new one", metadata: ["audit.error": "\(problem)"])
                stream = nil
                broken = true
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

    /// One `POST /v1/events/batch` of `records` as NDJSON (with the stream headers when part of
    /// a stream), classified.
    func send(_ records: ArraySlice<AuditClientSpool.Record>, stream: (token: String, first: UInt64)?) async -> Outcome {
        statusBox.withLock { $0.requests += 1 }
        var headers: [(String, String)] = []
        if let stream { headers = [("Audit-Batch-Stream", stream.token), ("Audit-Batch-Sequence", String(stream.first))] }
        let response: AuditServerResponse
        do {
            response = try await connection.post(
                "/v1/events/batch",
                body: AuditClientSpool.Batch.ndjson(records),
                contentType: "application/x-ndjson",
                headers: headers
            )
        } catch {
            return .retry(after: nil, problem: error.message)
        }
        switch response.status {
        case 200..<300:
            return .stored
        case 409 where stream != nil && response.problemType == "urn:audittrail:problem:stream-out-of-order":
            return .outOfOrder(problem: response.problemDetail)
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
