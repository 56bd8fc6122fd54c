import AuditTrail
import AuditTrailPostgres
import AuditTrailTesting
import Logging
import Testing

/// The leases that let one instance at a time sign checkpoints and run retention.
@Suite(.enabled(if: PostgresTestServer.isAvailable, PostgresTestServer.unavailable))
struct PostgresLeaseTests {
    /// Two instances of one log: the lease goes to one, is renewed by it, passes on when it is
    /// given up, and is taken over once its holder stops renewing it.
    @Test func oneInstanceAtATimeHoldsALease() async throws {
        let stores = PostgresTestServer.Stores {
            $0.instance = "first"
            $0.leaseSeconds = 1
        }
        let first = try await stores.make()
        do {
            var configuration = try PostgresAuditStore.Configuration(url: try #require(PostgresTestServer.url))
            configuration.schema = first.schemaName
            configuration.maximumConnections = 2
            configuration.instance = "second"
            configuration.leaseSeconds = 1
            try await PostgresAuditStore.withStore(configuration: configuration, logger: Logger(label: "second")) { second in
                #expect(try await first.acquireLease("checkpointer"))
                #expect(try await !second.acquireLease("checkpointer"))
                #expect(try await first.leaseHolder("checkpointer") == "first")
                // Leases are per job.
                #expect(try await second.acquireLease("retention"))
                #expect(try await !first.acquireLease("retention"))
                // Renewed by its holder; given up, it is free at once.
                #expect(try await first.acquireLease("checkpointer"))
                try await first.releaseLease("checkpointer")
                #expect(try await first.leaseHolder("checkpointer") == nil)
                #expect(try await second.acquireLease("checkpointer"))
                // A release by another holder changes nothing.
                try await first.releaseLease("checkpointer")
                #expect(try await second.leaseHolder("checkpointer") == "second")
                // The holder stops renewing (it died): after the lease's length another takes it.
                #expect(try await !first.acquireLease("checkpointer"))
                try await Task.sleep(for: .milliseconds(1300))
                #expect(try await first.acquireLease("checkpointer"))
                #expect(try await first.leaseHolder("checkpointer") == "first")
            }
        } catch {
            try? await stores.close(first)
            throw error
        }
        try await stores.close(first)
    }

    /// The first signing key a log is served with is recorded; another one is refused, naming both.
    @Test func aLogKeepsTheSigningKeyItWasFirstServedWith() async throws {
        let stores = PostgresTestServer.Stores()
        let store = try await stores.make()
        do {
            let first = try AuditSigner.generate(name: "one").publicKey.text
            let other = try AuditSigner.generate(name: "two").publicKey.text
            try await store.requireSigningKey(first)
            try await store.requireSigningKey(first)
            let error = await #expect(throws: AuditTrailError.self) { try await store.requireSigningKey(other) }
            #expect(error?.message.contains(first) == true)
            #expect(error?.message.contains(other) == true)
            #expect(error?.fieldErrors.first?.field == "signing_key")
        } catch {
            try? await stores.close(store)
            throw error
        }
        try await stores.close(store)
    }
}
