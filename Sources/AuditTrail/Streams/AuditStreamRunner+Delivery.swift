import Logging
import Synchronization

extension AuditStreamRunner {
    /// One stream's loop: batch, deliver, save the position; wait when caught up; back off on
    /// failure. Ends when the stream is deleted or the runner stops.
    func deliver(_ definition: AuditStreamDefinition) async {
        let id = definition.id
        let leaseName = "stream." + id
        let subscription = commits.subscribe(counted: false)
        var destination: (any AuditStreamDestination)?
        var position: AuditStreamPosition?
        var holding = leases == nil
        var backoff = configuration.minBackoff
        var lastSaved = ContinuousClock.now
        defer {
            subscription.stop()
            state.withLock { state in
                state.running.remove(id)
                state.positions[id] = nil
            }
        }
        while isDefined(id), !Task.isCancelled {
            if let leases {
                let held = (try? await leases.acquireLease(leaseName)) ?? false
                if !held {
                    // Another instance delivers it; take over when its lease runs out.
                    if holding { publish(id, nil) }
                    (holding, position) = (false, nil)
                    try? await Task.sleep(for: configuration.poll)
                    continue
                }
                // Newly held: the position is whatever the last holder stored.
                if !holding { (holding, position) = (true, nil) }
            }
            do {
                if position == nil {
                    position = try await catalog.position(of: id) ?? AuditStreamPosition(startingAfter: definition.startAfter)
                }
                guard var current = position else { continue }
                let target = try destination ?? makeDestination(definition)
                destination = target
                guard await beginDelivery() else { break }
                let delivered: Bool
                do {
                    delivered = try await step(definition, position: &current, to: target)
                    endDelivery()
                } catch {
                    endDelivery()
                    throw error
                }
                position = current
                publish(id, current)
                backoff = configuration.minBackoff
                if delivered {
                    lastSaved = .now
                    continue
                }
                // Caught up: a scan that moved on is saved now and then (for the lag others see).
                if ContinuousClock.now - lastSaved >= .seconds(5) {
                    try await catalog.save(current, of: id)
                    lastSaved = .now
                }
                let seen = current.scannedThrough
                await subscription.wait(beyond: seen, timeout: configuration.poll)
                if definition.lingerMilliseconds > 0, commits.latestSeq > seen, !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(definition.lingerMilliseconds))
                }
            } catch {
                if Task.isCancelled { break }
                // A connection may be broken: the next attempt makes a new one.
                destination = nil
                if var current = position {
                    await failed(definition, error: error, position: &current)
                    position = current
                    publish(id, current)
                }
                try? await Task.sleep(for: jittered(backoff))
                backoff = min(backoff * 2, configuration.maxBackoff)
            }
        }
        if let leases, holding { try? await leases.releaseLease(leaseName) }
    }

    /// Reads and delivers the next batch; false when there was nothing to deliver.
    func step(
        _ definition: AuditStreamDefinition,
        position: inout AuditStreamPosition,
        to destination: any AuditStreamDestination
    ) async throws -> Bool {
        let start = try await exporter.startBatch(
            parameters: definition.parameters,
            after: position.deliveredThrough,
            maxEvents: definition.batchEvents,
            freshBeyond: position.scannedThrough
        )
        switch start {
        case .nothing(let through):
            position.scannedThrough = max(position.scannedThrough, through)
            return false
        case .batch(let export):
            var bytes: [UInt8] = []
            // A stream's batches are not recorded one by one (each record would be streamed in
            // turn): the stream's creation, by whom and to where, is the record of what leaves.
            let count = try await export.write(
                to: { bytes += $0 },
                record: { _ in },
                actor: Self.actor,
                via: "stream \(definition.id)",
                startRecorded: true
            )
            let batch = AuditStreamBatch(streamID: definition.id, header: export.header, encoding: export.encoding, bytes: bytes, count: count)
            try await destination.deliver(batch)
            let recovered = position.alerted
            position.deliveredThrough = batch.through
            position.scannedThrough = max(position.scannedThrough, batch.through)
            position.batches += 1
            position.events += count
            position.deliveredAt = .now()
            position.failingSince = nil
            position.failures = 0
            position.lastError = nil
            position.alerted = false
            try await catalog.save(position, of: definition.id)
            if recovered { await record(recoveredInput(definition, position: position)) }
            return true
        }
    }

    /// Notes a failed attempt in the position (stored), and records the `security.alert` once
    /// the stream has been failing for ``Configuration/alertAfter``.
    func failed(_ definition: AuditStreamDefinition, error: any Error, position: inout AuditStreamPosition) async {
        let now = AuditTime.now()
        let message = (error as? AuditTrailError)?.message ?? "\(error)"
        if position.failures == 0 || position.failures % 20 == 0 {
            logger.warning(
                "audit stream delivery failed",
                metadata: ["audit.stream": "\(definition.id)", "audit.error": "\(message)", "audit.failures": "\(position.failures + 1)"]
            )
        }
        position.failingSince = position.failingSince ?? now
        position.failures += 1
        position.lastError = String(message.prefix(1000))
        let failingFor = now.milliseconds - (position.failingSince ?? now).milliseconds
        if !position.alerted, Duration.milliseconds(failingFor) >= configuration.alertAfter {
            position.alerted = await record(alertInput(definition, position: position))
        }
        do {
            try await catalog.save(position, of: definition.id)
        } catch {
            logger.debug("audit stream position not saved", metadata: ["audit.stream": "\(definition.id)", "audit.error": "\(error)"])
        }
    }

    /// Records an event through the recorder; false (logged) when it could not.
    @discardableResult
    func record(_ input: AuditEventInput) async -> Bool {
        do {
            try await recorder.write(input)
            return true
        } catch {
            logger.error("audit stream event not recorded", metadata: ["audit.action": "\(input.action)", "audit.error": "\(error)"])
            return false
        }
    }

    func alertInput(_ definition: AuditStreamDefinition, position: AuditStreamPosition) -> AuditEventInput {
        AuditEventInput(
            action: "security.alert",
            severity: .error,
            outcome: .failure,
            description: "stream \(definition.name) has been failing since \(position.failingSince?.rfc3339 ?? "?")",
            actor: Self.actor,
            resource: .init(type: "audit_stream", id: definition.id, name: definition.name),
            metadata: .object([
                "alert": "stream_failing", "stream": .string(definition.id), "destination": .string(definition.destination.type),
                "failing_since": .string(position.failingSince?.rfc3339 ?? ""), "failures": .int(position.failures),
                "last_error": .string(position.lastError ?? ""), "delivered_through": .int(position.deliveredThrough),
                "lag_events": .int(max(0, commits.latestSeq - position.scannedThrough)),
            ])
        )
    }

    func recoveredInput(_ definition: AuditStreamDefinition, position: AuditStreamPosition) -> AuditEventInput {
        AuditEventInput(
            action: "audit.stream.recovered",
            outcome: .success,
            actor: Self.actor,
            resource: .init(type: "audit_stream", id: definition.id, name: definition.name),
            metadata: .object(["stream": .string(definition.id), "delivered_through": .int(position.deliveredThrough)])
        )
    }

    /// `delay` ± 20 %.
    func jittered(_ delay: Duration) -> Duration {
        delay * Double.random(in: 0.8...1.2)
    }
}
