import Logging
import Synchronization

extension AuditWriter.Configuration {
    /// The writer's fallback when the store is down: a daily JSONL log (``AuditJSONLLog``) in
    /// ``directory`` and the replay that moves it into the store.
    ///
    /// ```swift
    /// var configuration = AuditWriter.Configuration()
    /// configuration.fallback = .init(directory: "data/fallback")
    /// let writer = AuditWriter(store: store, configuration: configuration, logger: logger)
    /// ```
    public struct Fallback: Sendable {
        /// The fallback log's directory (created when missing); it also holds `replay.position`.
        public var directory: String
        /// Whether fully replayed day files are kept, moved to `replayed/<UTC time>-seq<N>/` (a
        /// chain from seq 1 that ``AuditJSONLVerifier`` still verifies), rather than deleted.
        /// Default true: an operator removes them when satisfied.
        public var keepReplayed: Bool = true
        /// Most events one replay transaction appends. Default 1,000.
        public var replayBatchEvents: Int = 1000
        /// The wait before the first new attempt after a failed replay (the store's health probe);
        /// it doubles after every failure up to ``maximumRetryInterval``. Default 100 ms.
        public var retryInterval: Duration = .milliseconds(100)
        /// The longest wait between replay attempts while the store is down. Default 5 s.
        public var maximumRetryInterval: Duration = .seconds(5)

        /// A fallback in `directory`, with the defaults above.
        public init(directory: String) { self.directory = directory }
    }
}

extension AuditWriter {
    /// Sends the group to the fallback log when it holds events not yet replayed; true when it
    /// did (or failed the callers because the log could not be written).
    func spillIfPending(_ group: [Pending], events: [PreparedAuditEvent], fallback: AuditWriterFallback) async -> Bool {
        do {
            guard let results = try await fallback.spillIfPending(events) else { return false }
            resume(group, with: results)
        } catch {
            logger.error(
                "audit fallback write failed; the batch was not stored",
                metadata: ["audit.batch.size": "\(events.count)", "error": "\(error)"]
            )
            for pending in group { pending.continuation?.resume(throwing: error) }
        }
        state.withLock { $0.inFlight = 0 }
        return true
    }

    /// Writes a group the store refused to the fallback log; true when it is there (the callers
    /// have their spilled results), false when that failed too.
    func spill(_ group: [Pending], events: [PreparedAuditEvent], fallback: AuditWriterFallback, storeError: any Error) async -> Bool {
        do {
            let results = try await fallback.spill(events)
            resume(group, with: results)
            state.withLock { $0.inFlight = 0 }
            logger.error(
                "audit commit failed; the batch was written to the fallback log and is replayed when the store is back",
                metadata: ["audit.batch.size": "\(events.count)", "error": "\(storeError)"]
            )
            return true
        } catch {
            logger.critical("audit fallback write failed too", metadata: ["audit.batch.size": "\(events.count)", "error": "\(error)"])
            return false
        }
    }

    /// Replays the fallback into the store whenever it holds events, until the writer stops:
    /// batch after batch while appends succeed, waiting longer after each failure.
    func replayLoop(_ fallback: AuditWriterFallback) async {
        guard let settings = configuration.fallback else { return }
        var wait = settings.retryInterval
        var failures = 0
        let clock = ContinuousClock()
        while !state.withLock({ $0.stopping }) {
            guard await fallback.pending else {
                await pause(.milliseconds(20))
                continue
            }
            let start = clock.now
            do {
                let (results, drained) = try await fallback.replayBatch(into: store, limit: max(1, settings.replayBatchEvents))
                if !results.isEmpty { report(results, submitted: results.count, duration: clock.now - start) }
                if failures > 0 {
                    logger.notice("audit store is back; replaying the fallback log", metadata: ["audit.attempts": "\(failures)"])
                }
                wait = settings.retryInterval
                failures = 0
                if drained { logger.info("audit writer is back on the store") }
            } catch {
                failures += 1
                if failures == 1 {
                    logger.warning("audit fallback replay failed; retrying with backoff", metadata: ["error": "\(error)"])
                }
                await pause(wait)
                wait = min(wait * 2, settings.maximumRetryInterval)
            }
        }
    }

    /// Sleeps up to `duration`, waking early when the writer stops.
    private func pause(_ duration: Duration) async {
        let clock = ContinuousClock()
        let end = clock.now + duration
        while clock.now < end, !state.withLock({ $0.stopping }) {
            try? await Task.sleep(for: min(.milliseconds(20), end - clock.now))
        }
    }
}
