import AuditTrail
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("AuditWriter", .timeLimit(.minutes(1)))
struct AuditWriterTests {
    static let logger = Logger(label: "audittrail.tests.writer", factory: { _ in SwiftLogNoOpLogHandler() })

    static func event(_ index: Int, id: String? = nil) -> PreparedAuditEvent {
        let input = AuditEventInput(id: id, action: "data.read", actor: .init(id: "u-\(index)"), metadata: ["i": .int(Int64(index))])
        return try! AuditEventValidator().prepare(input, receivedAt: fixedReceipt.adding(milliseconds: Int64(index)))
    }

    static func makeWriter(
        _ store: WriterTestStore,
        capacity: Int = 200_000,
        retries: Int = 2,
        observers: [AuditWriter.Observer] = [],
        logger: Logger = logger
    ) -> AuditWriter {
        var configuration = AuditWriter.Configuration()
        configuration.capacity = capacity
        configuration.commitRetries = retries
        return AuditWriter(store: store, configuration: configuration, logger: logger, observers: observers)
    }

    /// Runs `body` while `writer.run()` runs in a child task; stops the writer and waits for it after.
    static func withRunningWriter<T: Sendable>(_ writer: AuditWriter, _ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            let result = try await body()
            writer.stop()
            try await group.waitForAll()
            return result
        }
    }

    /// Yields until `condition` holds (the writer and store run on other tasks).
    static func waitUntil(_ condition: () async -> Bool) async {
        while await !condition() { await Task.yield() }
    }

    @Test("appends that arrive while a commit runs share the next transaction")
    func groupCommit() async throws {
        let store = WriterTestStore()
        let writer = Self.makeWriter(store)
        let results = try await Self.withRunningWriter(writer) {
            await store.hold()
            async let first = writer.append(Self.event(0))
            await Self.waitUntil { await store.isHolding }
            let rest = try await withThrowingTaskGroup(of: AuditAppendResult.self) { group in
                for index in 1...50 { group.addTask { try await writer.append(Self.event(index)) } }
                await Self.waitUntil { writer.queueDepth == 51 }
                await store.release()
                return try await group.reduce(into: []) { $0.append($1) }
            }
            return try await [first] + rest
        }
        #expect(await store.appendSizes == [1, 50])
        #expect(Set(results.map(\.seq)) == Set(1...51))
        #expect(results.filter(\.created).count == 51)
        #expect(writer.queueDepth == 0)
    }

    @Test("recorded events wait out the linger together: one wake-up, one commit; an awaited append and a long queue do not wait")
    func recordLinger() async throws {
        let store = WriterTestStore()
        var configuration = AuditWriter.Configuration()
        configuration.recordLinger = .seconds(2)
        configuration.lingerWakeEvents = 100
        let writer = AuditWriter(store: store, configuration: configuration, logger: Self.logger)
        let clock = ContinuousClock()
        try await Self.withRunningWriter(writer) {
            await Self.waitUntil { writer.isIdle }
            let start = clock.now
            for index in 0..<20 { try writer.record(Self.event(index)) }
            await Self.waitUntil { await store.rows.count == 20 }
            // Nothing woke the writer before the linger ended.
            #expect(clock.now - start >= .milliseconds(1900))
            #expect(await store.appendSizes == [20])
            await Self.waitUntil { writer.isIdle }
            // An awaited append is committed at once, with what was recorded before it.
            let appending = clock.now
            try writer.record(Self.event(20))
            _ = try await writer.append(Self.event(21))
            #expect(clock.now - appending < .milliseconds(1500))
            #expect(await store.appendSizes == [20, 2])
            // So is a queue that reaches lingerWakeEvents.
            await Self.waitUntil { writer.isIdle }
            let filling = clock.now
            for index in 22..<122 { try writer.record(Self.event(index)) }
            await Self.waitUntil { await store.rows.count == 122 }
            #expect(clock.now - filling < .milliseconds(1500))
        }
        #expect(try await store.verifyChain().ok)
    }

    @Test("a multi-event append gets one result per event, in order, with consecutive seqs")
    func resultsInOrder() async throws {
        let store = WriterTestStore()
        let writer = Self.makeWriter(store)
        let batches = try await Self.withRunningWriter(writer) {
            try await withThrowingTaskGroup(of: ([PreparedAuditEvent], [AuditAppendResult]).self) { group in
                for caller in 0..<20 {
                    group.addTask {
                        let events = (0..<5).map { Self.event(caller * 100 + $0) }
                        return (events, try await writer.append(contentsOf: events))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        for (events, results) in batches {
            #expect(results.map(\.id) == events.map(\.event.id))
            let first = try #require(results.first?.seq)
            #expect(results.map(\.seq) == Array(first..<(first + 5)))
        }
        let rows = await store.rows
        #expect(rows.map(\.seq) == Array(1...100))
        #expect(try await store.verifyChain().ok)
        #expect(try await writer.append(contentsOf: []).isEmpty)
    }

    @Test("a full queue refuses at once with overloaded and keeps everything it accepted")
    func backpressure() async throws {
        let store = WriterTestStore()
        let writer = Self.makeWriter(store, capacity: 10)
        try await Self.withRunningWriter(writer) {
            await store.hold()
            try writer.record(Self.event(0))
            await Self.waitUntil { await store.isHolding }
            for index in 1..<10 { try writer.record(Self.event(index)) }
            #expect(writer.queueDepth == 10)
            let refused = await #expect(throws: AuditTrailError.self) { try await writer.append(Self.event(10)) }
            #expect(refused?.code == .overloaded)
            #expect(throws: AuditTrailError.self) { try writer.record(Self.event(11)) }
            await store.release()
            await Self.waitUntil { writer.queueDepth == 0 }
            #expect(try await writer.append(Self.event(12)).seq == 11)
        }
        let rows = await store.rows
        #expect(rows.count == 11)
        #expect(try rows.map { try $0.decoded().actor?.id } == (0..<10).map { "u-\($0)" } + ["u-12"])
    }

    @Test("one append larger than the capacity is taken when the queue is empty")
    func oversizedAppendIntoEmptyQueue() async throws {
        let store = WriterTestStore()
        let writer = Self.makeWriter(store, capacity: 3)
        let results = try await Self.withRunningWriter(writer) {
            try await writer.append(contentsOf: (0..<5).map { Self.event($0) })
        }
        #expect(results.map(\.seq) == [1, 2, 3, 4, 5])
    }
}
