import Logging
import Synchronization

extension AuditAlertRunner {
    /// One rule's loop: rebuild its window, then follow its matching events, firing as they
    /// come. Ends when the rule is switched off, changed or deleted, or the runner stops.
    func evaluate(_ rule: AuditAlertRule) async {
        let leaseName = "alert." + rule.id
        let subscription = commits.subscribe(counted: false)
        let (notices, queue) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingNewest(1000))
        defer {
            subscription.stop()
            queue.finish()
            state.withLock { state in
                state.running.remove(rule.id)
                state.states[rule.id] = nil
            }
        }
        await withDiscardingTaskGroup { group in
            if let url = rule.webhookURL, let secret = rule.secret {
                group.addTask { await self.deliverNotices(notices, url: url, secret: secret, rule: rule) }
            } else {
                queue.finish()
            }
            var holding = leases == nil
            while isCurrent(rule), !Task.isCancelled {
                if let leases {
                    let held = (try? await leases.acquireLease(leaseName)) ?? false
                    if !held {
                        holding = false
                        try? await Task.sleep(for: configuration.poll)
                        continue
                    }
                    holding = true
                }
                do {
                    try await follow(rule, subscription: subscription, queue: queue, leaseName: leaseName)
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("audit alert rule failed; retrying", metadata: ["audit.rule": "\(rule.id)", "audit.error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            if let leases, holding { try? await leases.releaseLease(leaseName) }
            queue.finish()
        }
    }

    /// Rebuilds the rule's window from the stored state, then evaluates new events until the
    /// rule changes, the lease is lost or the task is cancelled.
    func follow(
        _ rule: AuditAlertRule,
        subscription: AuditCommitSignal.Subscription,
        queue: AsyncStream<[UInt8]>.Continuation,
        leaseName: String
    ) async throws {
        let query = try rule.storeQuery()
        var saved: AuditAlertState
        if let stored = try await catalog.state(of: rule.id) {
            saved = stored
        } else {
            // A new rule starts at the head: it does not fire on the past.
            saved = AuditAlertState(evaluatedThrough: try await store.head().seq)
            try await catalog.save(saved, of: rule.id)
        }
        var window = AuditAlertWindow(rule: rule)
        window.restore(firings: saved.firings)
        try await warmUp(&window, query: query, through: saved.evaluatedThrough)
        var follower = AuditFollower(store: store, query: query, after: saved.evaluatedThrough)
        var lastSave = ContinuousClock.now
        var lastLease = ContinuousClock.now
        while isCurrent(rule), !Task.isCancelled {
            let read = try await follower.next()
            var firedNow = false
            for stored in read.events {
                guard let firing = window.add(try stored.decoded()) else { continue }
                try await fire(rule, firing, queue: queue)
                saved.fired += 1
                saved.lastFiredAt = .now()
                firedNow = true
            }
            saved.evaluatedThrough = follower.position
            saved.firings = window.recentFirings(now: .now())
            state.withLock { $0.states[rule.id] = saved }
            if firedNow || ContinuousClock.now - lastSave >= .seconds(5) {
                try await catalog.save(saved, of: rule.id)
                lastSave = .now
            }
            if let leases, ContinuousClock.now - lastLease >= configuration.poll {
                guard try await leases.acquireLease(leaseName) else { return }
                lastLease = .now
            }
            if read.caughtUp { await subscription.wait(beyond: follower.position, timeout: configuration.poll) }
        }
        try? await catalog.save(saved, of: rule.id)
    }

    /// Feeds the window, without firing, the rule's events it must remember: those received in
    /// the last window (a threshold rule, with 5 minutes' slack for producers' clocks) or all of
    /// them (a `new_value` rule's seen values), up to `through`.
    func warmUp(_ window: inout AuditAlertWindow, query: AuditQuery, through: Int64) async throws {
        guard through > 0 else { return }
        var bounded = query
        if window.rule.kind == .threshold {
            bounded.since = AuditTime.now().adding(milliseconds: -(Int64(window.rule.windowSeconds) + 300) * 1000)
        }
        var follower = AuditFollower(store: store, query: bounded, after: 0)
        while true {
            let read = try await follower.next()
            for stored in read.events where stored.seq <= through { _ = window.add(try stored.decoded(), quiet: true) }
            if read.caughtUp || (read.events.last?.seq ?? through) >= through { return }
        }
    }

    /// Records the firing as `security.alert`, durably, and queues the webhook's notice.
    func fire(_ rule: AuditAlertRule, _ firing: AuditAlertWindow.Firing, queue: AsyncStream<[UInt8]>.Continuation) async throws {
        var metadata: [String: JSONValue] = [
            "alert": "rule", "rule": .string(rule.id), "rule_name": .string(rule.name), "query": .string(rule.query),
            "kind": .string(rule.kind.rawValue), "group_by": .string(rule.groupBy.rawValue), "group": .string(firing.group),
            "count": .int(Int64(firing.seqs.count)), "seqs": .array(firing.seqs.map(JSONValue.int)),
            "first_at": .string(firing.firstAt.rfc3339), "last_at": .string(firing.lastAt.rfc3339),
        ]
        var description =
            "\(rule.name): \(firing.seqs.count) matching events of \(rule.groupBy.rawValue) \(firing.group) within \(rule.windowSeconds) s"
        if rule.kind == .threshold {
            metadata["threshold"] = .int(Int64(rule.threshold))
            metadata["window_seconds"] = .int(Int64(rule.windowSeconds))
        }
        if let value = firing.value, let field = rule.valueField {
            metadata["value_field"] = .string(field.rawValue)
            metadata["value"] = .string(value)
            description = "\(rule.name): \(rule.groupBy.rawValue) \(firing.group) seen with a new \(field.rawValue) \(value)"
        }
        let input = AuditEventInput(
            action: "security.alert",
            severity: .error,
            outcome: .success,
            description: String(description.prefix(1000)),
            actor: Self.actor,
            resource: .init(type: "alert_rule", id: rule.id, name: rule.name),
            metadata: .object(metadata)
        )
        let result = try await writer.append(validator.prepare(input, producer: producer))
        guard rule.webhookURL != nil else { return }
        if let stored = try await store.rows(after: result.seq - 1, limit: 1).first, stored.seq == result.seq {
            queue.yield(stored.responseJSON)
        }
    }

    /// Sends each notice to the webhook, retrying one until it is taken (doubling waits up to
    /// ``Configuration/maxBackoff``); notices wait in a queue of at most 1,000 (the oldest dropped).
    func deliverNotices(_ notices: AsyncStream<[UInt8]>, url: String, secret: String, rule: AuditAlertRule) async {
        for await body in notices {
            var delay: Duration = .milliseconds(250)
            while !Task.isCancelled {
                do {
                    try await notify(url, secret, body)
                    break
                } catch {
                    logger.warning("audit alert webhook failed; retrying", metadata: ["audit.rule": "\(rule.id)", "audit.error": "\(error)"])
                    try? await Task.sleep(for: delay * Double.random(in: 0.8...1.2))
                    delay = min(delay * 2, configuration.maxBackoff)
                }
            }
        }
    }
}
