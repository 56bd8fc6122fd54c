import AuditTrail
import AuditTrailClient
import Logging

/// Runs an ``AuditClient``'s `run()` for the duration of `body`, then cancels it and waits.
func withRunningClient<T: Sendable>(
    _ client: AuditClient,
    _ body: @Sendable (AuditClient) async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await client.run()
            return nil
        }
        let result = try await body(client)
        group.cancelAll()
        while let _ = try await group.next() {}
        return result
    }
}

/// Waits until the client's spool is acknowledged to its end, or throws after `seconds`.
func waitUntilDrained(_ client: AuditClient, seconds: Int = 60) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !client.spool.isDrained {
        guard ContinuousClock.now < deadline else {
            throw TestFailure("the spool was not drained within \(seconds) s: \(client.status)")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// A client of `server` on a fresh spool, with short timings for tests.
func makeClient(
    _ server: ClientTestServer,
    spool: String = temporaryDirectory("spool"),
    configure: (inout AuditClient.Configuration) -> Void = { _ in }
) throws -> AuditClient {
    var configuration = AuditClient.Configuration(server: server.url, apiKey: server.adminKey, spoolDirectory: spool)
    configuration.flushInterval = .milliseconds(20)
    configuration.retryBackoffBase = .milliseconds(50)
    configuration.retryBackoffMax = .milliseconds(500)
    configuration.consistencyCheckInterval = nil
    configure(&configuration)
    var logger = Logger(label: "audittrail.client.test")
    logger.logLevel = .critical
    return try AuditClient(configuration: configuration, logger: logger)
}

/// A test event, recognisable by its resource (`type`, `id`).
func probeEvent(_ id: String, type: String = "probe") -> AuditEventInput {
    AuditEventInput(action: "data.create", actor: .init(id: "tester"), resource: .init(type: type, id: id))
}
