import AuditTrail
import InMemoryLogging
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("AuditWriter failures and lifecycle", .timeLimit(.minutes(1)))
struct AuditWriterLifecycleTests {
    typealias T = AuditWriterTests

    @Test("a store failure reaches every caller after the retries, and nothing is stored")
    func storeFailure() async throws {
        let store = WriterTestStore()
        await store.setFailures(2)
        let writer = T.makeWriter(store, retries: 1)
        try await T.withRunningWriter(writer) { () async throws in
            let error = await #expect(throws: AuditTrailError.self) { try await writer.append(contentsOf: [T.event(0), T.event(1)]) }
            #expect(error?.code == .storeFailure)
            #expect(error?.underlying is WriterTestStore.Failure)
            #expect(await store.appendSizes == [2, 2])
            #expect(await store.rows.isEmpty)
            // The writer keeps going: the next append is the first stored event.
            #expect(try await writer.append(T.event(2)).seq == 1)
        }
        #expect(await store.rows.count == 1)
    }

    @Test("a failure within the retries is invisible to the caller")
    func retriedFailure() async throws {
        let store = WriterTestStore()
        await store.setFailures(2)
        let writer = T.makeWriter(store, retries: 2)
        let result = try await T.withRunningWriter(writer) { try await writer.append(T.event(0)) }
        #expect(result.seq == 1)
        #expect(await store.appendSizes == [1, 1, 1])
    }

    @Test("stop drains the queue, then appends are refused with shuttingDown; both are logged with their counts")
    func stopDrains() async throws {
        let store = WriterTestStore()
        let handler = InMemoryLogHandler()
        let writer = T.makeWriter(store, logger: Logger(label: "test") { _ in handler })
        await store.hold()
        let run = Task { try await writer.run() }
        let first = Task { try await writer.append(T.event(0)) }
        await T.waitUntil { await store.isHolding }
        for index in 1...5 { try writer.record(T.event(index)) }
        writer.stop()
        writer.stop()
        let refused = await #expect(throws: AuditTrailError.self) { try await writer.append(T.event(6)) }
        #expect(refused?.code == .shuttingDown)
        #expect(throws: AuditTrailError.self) { try writer.record(T.event(7)) }
        await store.release()
        try await run.value
        #expect(try await first.value.seq == 1)
        #expect(await store.rows.map(\.seq) == [1, 2, 3, 4, 5, 6])
        let late = await #expect(throws: AuditTrailError.self) { try await writer.append(T.event(8)) }
        #expect(late?.code == .shuttingDown)
        // Stopping says how much is queued (once), draining how much was committed and the last seq.
        let notices = handler.entries.filter { $0.level == .notice }
        #expect(notices.map(\.message.description) == ["audit writer stopping: committing what is queued", "audit writer drained"])
        #expect(notices.first?.metadata["audit.writer.queued_events"] == "6")
        #expect(notices.last?.metadata["audit.writer.drained_events"] == "6")
        #expect(notices.last?.metadata["audit.chain.seq"] == "6")
    }

    @Test("graceful shutdown of a ServiceGroup commits what was queued")
    func serviceGroupShutdown() async throws {
        let store = WriterTestStore()
        let commits = Mutex<[AuditWriter.Commit]>([])
        let writer = T.makeWriter(store, observers: [{ commit in commits.withLock { $0.append(commit) } }])
        let group = ServiceGroup(services: [writer], logger: T.logger)
        await store.hold()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let pending = (0..<10).map { index in Task { try await writer.append(T.event(index)) } }
            await T.waitUntil { writer.queueDepth == 10 }
            await group.triggerGracefulShutdown()
            await store.release()
            var seqs: [Int64] = []
            for task in pending { seqs.append(try await task.value.seq) }
            #expect(seqs.sorted() == Array(1...10))
            try await tasks.waitForAll()
        }
        #expect(await store.rows.count == 10)
        let recorded = commits.withLock { $0 }
        #expect(recorded.map(\.count).reduce(0, +) == 10)
        #expect(recorded.first?.firstSeq == 1)
        #expect(recorded.last?.lastSeq == 10)
        let late = await #expect(throws: AuditTrailError.self) { try await writer.append(T.event(11)) }
        #expect(late?.code == .shuttingDown)
    }

    @Test("cancelling the writer's task ends run() after draining")
    func cancellationEndsRun() async throws {
        let store = WriterTestStore()
        let writer = T.makeWriter(store)
        let run = Task { try await writer.run() }
        #expect(try await writer.append(T.event(0)).seq == 1)
        run.cancel()
        try await run.value
        let late = await #expect(throws: AuditTrailError.self) { try await writer.append(T.event(1)) }
        #expect(late?.code == .shuttingDown)
    }

    @Test("idempotent re-sends are answered with the stored event and not counted as new")
    func idempotentResends() async throws {
        let store = WriterTestStore()
        let commits = Mutex<[AuditWriter.Commit]>([])
        let writer = T.makeWriter(store, observers: [{ commit in commits.withLock { $0.append(commit) } }])
        let id = "0193f7e2-6c1a-7b0e-9d3c-2a1b4c5d6e7f"
        let (first, second) = try await T.withRunningWriter(writer) {
            (try await writer.append(T.event(0, id: id)), try await writer.append(T.event(1, id: id)))
        }
        #expect(first.created && !second.created)
        #expect(first.seq == second.seq && first.hash == second.hash)
        #expect(commits.withLock { $0.map(\.count) } == [1, 0])
        #expect(commits.withLock { $0.map(\.submitted) } == [1, 1])
    }
}
