import AuditTrail
import AuditTrailSQLite
import AuditTrailTesting
import Foundation
import Synchronization
import Testing

@Suite("Writer spill and replay", .serialized, .timeLimit(.minutes(3)))
struct WriterSpillTests {
    /// Producer p's events in store order must be exactly 0..<count, once each, in order.
    static func expectExactlyOnceInOrder(_ stored: [(producer: String, index: Int64)], producers: Int, count: Int) {
        #expect(stored.count == producers * count)
        var byProducer: [String: [Int64]] = [:]
        for (producer, index) in stored { byProducer[producer, default: []].append(index) }
        for producer in 0..<producers {
            #expect(byProducer["p-\(producer)"] == (0..<Int64(count)).map { $0 }, "producer \(producer)")
        }
    }

    @Test func aStoreFailureUnderLoadSpillsAndReplaysExactlyOnceInOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sqlite = try await directory.open()
        let store = AuditSwitchableAppender(sqlite)
        let fallback = directory.path + "/fallback"
        let writer = SpillTests.writer(store, fallback: fallback)
        let (producers, perProducer) = (8, 2_000)
        let acknowledged = SharedCounter()
        let spilled = SharedCounter()

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            try await withThrowingTaskGroup(of: Void.self) { load in
                for producer in 0..<producers {
                    load.addTask {
                        for index in 0..<perProducer {
                            let event = SpillTests.event(producer: producer, index: index)
                            if index % 2 == 0 {
                                let result = try await writer.append(event)
                                if result.spilled { spilled.add() }
                            } else {
                                try writer.record(event)
                            }
                            acknowledged.add()
                        }
                    }
                }
                load.addTask {
                    _ = try await SpillTests.waitUntil { acknowledged.current >= 3_000 }
                    // The commit in flight lands but its answer is lost; then the store is down.
                    store.loseNextAnswer()
                    store.setDown(true)
                    _ = try await SpillTests.waitUntil { spilled.current >= 1_500 }
                    store.setDown(false)
                }
                try await load.waitForAll()
            }
            #expect(spilled.current >= 1_500)
            #expect(store.refused >= 1)
            let drained = try await SpillTests.waitUntil {
                guard SpillTests.fallbackIsEmpty(fallback) else { return false }
                return try await sqlite.head().seq == Int64(producers * perProducer)
            }
            #expect(drained)
            writer.stop()
            try await group.waitForAll()
        }

        Self.expectExactlyOnceInOrder(try await SpillTests.storedEvents(sqlite), producers: producers, count: perProducer)
        #expect(try await sqlite.verifyChain().ok)
        // The replayed fallback files are kept aside and still verify on their own.
        let archives = try FileManager.default.contentsOfDirectory(atPath: fallback + "/replayed")
        #expect(!archives.isEmpty)
        for archive in archives {
            #expect(try AuditJSONLVerifier.verify(directory: fallback + "/replayed/" + archive).ok)
        }
        try await sqlite.close()
    }

    @Test func aReplayStoppedMidwayOrRepeatedAfterACrashStoresEachEventOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sqlite = try await directory.open()
        let store = AuditSwitchableAppender(sqlite)
        let fallback = directory.path + "/fallback"
        let snapshot = directory.path + "/snapshot"
        let (producers, perProducer) = (3, 1_000)

        // 1. The store is down from the start: everything is spilled.
        store.setDown(true)
        let first = SpillTests.writer(store, fallback: fallback, batch: 100)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await first.run() }
            for producer in 0..<producers {
                for start in stride(from: 0, to: perProducer, by: 100) {
                    let results = try await first.append(contentsOf: (start..<(start + 100)).map { SpillTests.event(producer: producer, index: $0) })
                    #expect(results.allSatisfy { $0.spilled })
                }
            }
            first.stop()
            try await group.waitForAll()
        }
        // A copy of the fallback as a crash right after the spill would leave it: no position.
        try FileManager.default.copyItem(atPath: fallback, toPath: snapshot)

        // 2. The store is back but slow; the writer is stopped in the middle of the replay.
        store.setDown(false)
        store.setDelay(.milliseconds(20))
        let second = SpillTests.writer(store, fallback: fallback, batch: 100)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await second.run() }
            #expect(try await SpillTests.waitUntil { try await sqlite.head().seq >= 500 })
            second.stop()
            try await group.waitForAll()
        }
        let stopped = try await sqlite.head().seq
        #expect(stopped < Int64(producers * perProducer))
        #expect(!SpillTests.fallbackIsEmpty(fallback))

        // 3. A new writer on the same directory resumes the replay.
        store.setDelay(.zero)
        try await Self.replayAll(store: store, fallback: fallback)
        Self.expectExactlyOnceInOrder(try await SpillTests.storedEvents(sqlite), producers: producers, count: perProducer)

        // 4. A crash before any position was saved: the whole spill is replayed again.
        for name in try FileManager.default.contentsOfDirectory(atPath: snapshot) {
            try FileManager.default.copyItem(atPath: snapshot + "/" + name, toPath: fallback + "/" + name)
        }
        #expect(!SpillTests.fallbackIsEmpty(fallback))
        try await Self.replayAll(store: store, fallback: fallback)
        Self.expectExactlyOnceInOrder(try await SpillTests.storedEvents(sqlite), producers: producers, count: perProducer)
        #expect(try await sqlite.verifyChain().ok)
        try await sqlite.close()
    }

    @Test func replayedFilesAreDeletedWhenNotKept() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sqlite = try await directory.open()
        let store = AuditSwitchableAppender(sqlite)
        let fallback = directory.path + "/fallback"
        var configuration = AuditWriter.Configuration()
        configuration.commitRetries = 0
        var settings = AuditWriter.Configuration.Fallback(directory: fallback)
        settings.keepReplayed = false
        settings.retryInterval = .milliseconds(10)
        configuration.fallback = settings
        let writer = AuditWriter(store: store, configuration: configuration, logger: SpillTests.logger)
        store.setDown(true)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            let results = try await writer.append(contentsOf: (0..<10).map { SpillTests.event(producer: 0, index: $0) })
            #expect(results.map(\.seq) == Array(1...10))
            #expect(results.allSatisfy { $0.spilled })
            store.setDown(false)
            #expect(try await SpillTests.waitUntil { SpillTests.fallbackIsEmpty(fallback) })
            // Back on the store: a new event is committed there, not spilled.
            let next = try await writer.append(SpillTests.event(producer: 0, index: 10))
            #expect(!next.spilled)
            #expect(next.seq == 11)
            writer.stop()
            try await group.waitForAll()
        }
        #expect(!FileManager.default.fileExists(atPath: fallback + "/replayed"))
        Self.expectExactlyOnceInOrder(try await SpillTests.storedEvents(sqlite), producers: 1, count: 11)
        try await sqlite.close()
    }

    /// Runs a writer until its fallback is empty.
    static func replayAll(store: AuditSwitchableAppender, fallback: String) async throws {
        let writer = SpillTests.writer(store, fallback: fallback, batch: 100)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            #expect(try await SpillTests.waitUntil { SpillTests.fallbackIsEmpty(fallback) })
            writer.stop()
            try await group.waitForAll()
        }
    }
}
