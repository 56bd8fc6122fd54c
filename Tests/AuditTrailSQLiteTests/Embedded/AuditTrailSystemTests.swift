import AuditTrail
import AuditTrailSQLite
import Foundation
import Logging
import ServiceLifecycle
import Testing

@Suite("AuditTrailSystem", .timeLimit(.minutes(3)))
struct AuditTrailSystemTests {
    static func configuration(_ directory: TemporaryDirectory) -> AuditTrailSystem.Configuration {
        var configuration = AuditTrailSystem.Configuration(dataDirectory: directory.path)
        configuration.store.synchronous = .normal
        return configuration
    }

    /// Runs `system` in a `ServiceGroup` while `body` runs, then shuts the group down gracefully.
    static func running(_ system: AuditTrailSystem, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(configuration: .init(services: [system], logger: SpillTests.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func writesThroughTheSinkAndKeepsEverythingAcrossAGracefulShutdown() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let system = try await AuditTrailSystem.open(configuration: Self.configuration(directory), logger: SpillTests.logger)
        #expect(system.configuration.writer.fallback?.directory == directory.path + "/fallback")
        try await Self.running(system) {
            try await system.sink.write(AuditEventInput(action: "config.updated"))
            for index in 0..<200 {
                try system.sink.enqueue(AuditEventInput(action: "data.read", metadata: ["i": .int(Int64(index))]))
            }
        }
        // The writer drained before the store closed: reading the closed store fails.
        await #expect(throws: (any Error).self) { try await system.store.head() }

        let reopened = try await AuditTrailSystem.open(configuration: Self.configuration(directory), logger: SpillTests.logger)
        #expect(try await reopened.store.head().seq == 201)
        #expect(try await reopened.store.verifyChain().ok)
        // The final checkpoint was signed over all of it, with the key kept in the data directory.
        #expect(try await reopened.store.latestCheckpoint()?.treeSize == 201)
        #expect(reopened.signer.publicKey == system.signer.publicKey)
        try await Self.running(reopened) {
            try await reopened.sink.write(AuditEventInput(action: "config.updated"))
        }
        let final = try await directory.open()
        #expect(try await final.head().seq == 202)
        #expect(try await final.verifyChain().ok)
        try await final.close()
    }

    @Test func theJSONLSystemWritesVerifiableDayFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let system = try AuditJSONLSystem.open(directory: directory.path + "/audit", logger: SpillTests.logger)
        let group = ServiceGroup(configuration: .init(services: [system], logger: SpillTests.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await system.sink.write(AuditEventInput(action: "auth.login", actor: .init(id: "u-1")))
            for _ in 0..<50 { try system.sink.enqueue(AuditEventInput(action: "data.read")) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let result = try AuditJSONLVerifier.verify(directory: directory.path + "/audit")
        #expect(result.ok)
        #expect(result.checked == 51)
        let reopened = try AuditJSONLLog.open(configuration: .init(directory: directory.path + "/audit"), logger: SpillTests.logger)
        #expect(reopened.head == result.head)
    }
}
