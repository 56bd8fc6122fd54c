import ArgumentParser
import AuditTrail
import AuditTrailPostgres
import AuditTrailSQLite
import AuditTrailServer
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// Runs the server on `directory` (port 0, `adminKey` as the environment's admin key; on the
/// PostgreSQL log `database` when given) until `body`, given the bound port, returns; then shuts
/// it down gracefully.
func withBenchServer(
    directory: String,
    database: PostgresAuditStore.Configuration? = nil,
    adminKey: String,
    logger: Logger,
    _ body: (Int) async throws -> Void
) async throws {
    var configuration = AuditServerConfiguration()
    configuration.port = 0
    configuration.dataDirectory = directory
    configuration.database = database
    configuration.adminKey = adminKey
    configuration.logLevel = logger.logLevel
    // Port 0: the server binds a free port and reports it once it listens.
    let (addresses, listening) = AsyncStream.makeStream(of: AuditServerAddress.self)
    let announce: @Sendable (AuditServerStarted) async -> Void = { started in
        listening.yield(started.address)
        listening.finish()
    }
    // On SQLite, the application in a group of ours, shut down gracefully; PostgreSQL's pool runs
    // inside `runAuditServer`, which ends when its task is cancelled.
    let serving = configuration
    let group: ServiceGroup?
    if database == nil {
        let app = try await buildAuditApplication(configuration: configuration, logger: logger, onListening: announce)
        group = ServiceGroup(configuration: .init(services: [app], logger: logger))
    } else {
        group = nil
    }
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            // A server that fails to start ends the stream, so the wait below ends too.
            defer { listening.finish() }
            if let group {
                try await group.run()
            } else {
                try await runAuditServer(configuration: serving, logger: logger, onListening: announce)
            }
        }
        func stop() async {
            if let group { await group.triggerGracefulShutdown() } else { tasks.cancelAll() }
        }
        var bound: AuditServerAddress?
        for await address in addresses { bound = address }
        guard let port = bound?.port else {
            try await tasks.waitForAll()
            throw ValidationError("the server stopped before it listened")
        }
        do {
            // The server reports its address once it serves (its store is open by then).
            try await body(port)
        } catch {
            await stop()
            try? await tasks.waitForAll()
            throw error
        }
        await stop()
        if group != nil {
            try await tasks.waitForAll()
        } else {
            // Cancelled: how it ends is not the benchmark's concern.
            try? await tasks.waitForAll()
        }
    }
}
