import AuditTrail
import Logging
import PostgresNIO
import Testing

@testable import AuditTrailPostgres

/// A connection the database has closed must fail the store's statements at once: PostgresNIO
/// never answers a statement written to a closed channel, and a server once waited on such a
/// `ROLLBACK` forever after a database restart.
@Suite(.enabled(if: PostgresTestServer.isAvailable, PostgresTestServer.unavailable))
struct PostgresClosedConnectionTests {
    /// (The limit turns a hang into a failure; it is generous because a CI run of the whole suite
    /// on two cores starts tests late: 100-ms tests there "take" 37 s.)
    @Test(.timeLimit(.minutes(5)))
    func aClosedConnectionFailsItsStatementsAtOnceAndTheStoreGoesOn() async throws {
        let stores = PostgresTestServer.Stores()
        let store = try await stores.make()
        do {
            let clock = ContinuousClock()
            let start = clock.now
            try await store.leased { connection in
                try await connection.close()
                let refused = await #expect(throws: AuditTrailError.self) {
                    try await connection.checkedQuery("SELECT 1", logger: store.logger)
                }
                #expect(refused?.code == .unavailable)
                let future: EventLoopFuture<PostgresQueryResult> = connection.checkedQuery("SELECT 1", logger: store.logger)
                await #expect(throws: AuditTrailError.self) { try await future.get() }
                // A failed transaction's end sends nothing on it.
                await store.rollBack(connection, after: CancellationError())
            }
            #expect(clock.now - start < .seconds(5))
            // The pool replaces the closed connection: the store goes on.
            let head = try await store.head()
            #expect(head.seq == 0)
            #expect(try await store.append([try AuditEventValidator().prepare(AuditEventInput(action: "doc.view"))]).first?.seq == 1)
        } catch {
            try? await stores.close(store)
            throw error
        }
        try await stores.close(store)
    }

    /// `completes(_:within:)` tells an answered future from one that is not answered in time.
    @Test func aBoundedWaitEndsEitherWay() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        #expect(await PostgresAuditStore.completes(loop.makeSucceededFuture(1), within: .seconds(5)))
        let never = loop.makePromise(of: Int.self)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(await !PostgresAuditStore.completes(never.futureResult, within: .milliseconds(100)))
        // Ended by its bound, not never: the whole suite on two cores has delayed the resumption
        // of a task by 6 s (and, before the tests stopped blocking pool threads on child
        // processes, by 47 s), so the bound is far from 100 ms.
        #expect(clock.now - start < .seconds(60))
        never.succeed(0)
    }
}
