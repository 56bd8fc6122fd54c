import AuditTrail
import Logging
import ServiceLifecycle
import Testing

@Suite("AuditJSONLLog", .timeLimit(.minutes(1)))
struct AuditJSONLLogTests {
    @Test func appendsChainedLinesAndReopensAtTheHead() async throws {
        let directory = try JSONLTestDirectory()
        defer { directory.remove() }
        let log = try JSONLTests.open(directory)
        let first = try log.appendSynchronously((1...3).map { JSONLTests.event($0) })
        let second = try await log.append([JSONLTests.event(4)])
        #expect(first.map(\.seq) == [1, 2, 3])
        #expect(second.map(\.seq) == [4])
        #expect(first.allSatisfy { $0.created && !$0.spilled })
        let files = try directory.dayFiles()
        #expect(files.count == 1)
        #expect(try directory.lines(files[0]).count == 4)
        #expect(log.head == AuditChainHead(seq: 4, hash: second[0].hash))
        log.close()

        let reopened = try JSONLTests.open(directory)
        #expect(reopened.head == AuditChainHead(seq: 4, hash: second[0].hash))
        let third = try reopened.appendSynchronously([JSONLTests.event(5)])
        #expect(third.map(\.seq) == [5])
        let rows = try reopened.rows(after: 0, limit: 100)
        #expect(rows.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(rows[0].id == first[0].id)
        let verification = try AuditJSONLVerifier.verify(directory: directory.path)
        #expect(verification.ok)
        #expect(verification.checked == 5)
        #expect(verification.head == reopened.head)
    }

    @Test func cutsATornLastLineOnOpen() throws {
        let directory = try JSONLTestDirectory()
        defer { directory.remove() }
        let log = try JSONLTests.open(directory)
        let results = try log.appendSynchronously((1...2).map { JSONLTests.event($0) })
        log.close()
        let name = try directory.dayFiles()[0]
        let acknowledged = try directory.size(name)
        try directory.appendRaw(name, #"{"action":"data.read","actor":{"id":"u-"#)
        #expect(try AuditJSONLVerifier.verify(directory: directory.path).tornBytes > 0)

        let reopened = try JSONLTests.open(directory)
        #expect(reopened.head.seq == 2)
        #expect(reopened.head.hash == results[1].hash)
        #expect(try directory.size(name) == acknowledged)
        #expect(try reopened.appendSynchronously([JSONLTests.event(3)]).map(\.seq) == [3])
        let verification = try AuditJSONLVerifier.verify(directory: directory.path)
        #expect(verification.ok)
        #expect(verification.tornBytes == 0)
        #expect(verification.checked == 3)
    }

    @Test func startsANewFileAtTheUTCDayOfReceivedAt() throws {
        let directory = try JSONLTestDirectory()
        defer { directory.remove() }
        let clock = JSONLTestClock(JSONLTests.beforeMidnight)
        let log = try JSONLTests.open(directory, clock: clock)
        _ = try log.appendSynchronously((1...2).map { JSONLTests.event($0) })
        clock.advance(milliseconds: 3_000)
        _ = try log.appendSynchronously((3...5).map { JSONLTests.event($0) })
        log.close()
        let files = try directory.dayFiles()
        #expect(files == ["events-2026-12-01.jsonl", "events-2026-12-02.jsonl"])
        #expect(try directory.lines(files[0]).count == 2)
        #expect(try directory.lines(files[1]).count == 3)

        let reopened = try JSONLTests.open(directory, clock: clock)
        #expect(reopened.head.seq == 5)
        _ = try reopened.appendSynchronously([JSONLTests.event(6)])
        #expect(try directory.lines(files[1]).count == 4)
        let verification = try AuditJSONLVerifier.verify(directory: directory.path)
        #expect(verification.ok)
        #expect(verification.files == 2)
        #expect(verification.checked == 6)
    }

    @Test func storesAClientIDOnceAcrossReopens() throws {
        let directory = try JSONLTestDirectory()
        defer { directory.remove() }
        let id = "0193f7e2-0000-7000-8000-000000000001"
        let log = try JSONLTests.open(directory)
        let results = try log.appendSynchronously([JSONLTests.event(1, id: id), JSONLTests.event(2, id: id)])
        #expect(results.map(\.created) == [true, false])
        #expect(results[1].seq == 1)
        log.close()
        let reopened = try JSONLTests.open(directory)
        let again = try reopened.appendSynchronously([JSONLTests.event(3, id: id)])
        #expect(again[0].created == false)
        #expect(again[0].seq == 1)
        #expect(again[0].hash == results[0].hash)
        #expect(reopened.head.seq == 1)
    }

    @Test func aWriterAndItsSinkWriteToTheLog() async throws {
        let directory = try JSONLTestDirectory()
        defer { directory.remove() }
        let log = try JSONLTests.open(directory)
        let writer = AuditWriter(store: log, logger: JSONLTests.logger)
        let sink = AuditWriterSink(writer: writer)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            try await sink.write(AuditEventInput(action: "config.updated"))
            for index in 0..<10 { try sink.enqueue(AuditEventInput(action: "data.read", metadata: ["i": .int(Int64(index))])) }
            writer.stop()
            try await group.waitForAll()
        }
        #expect(log.head.seq == 11)
        let verification = try AuditJSONLVerifier.verify(directory: directory.path)
        #expect(verification.ok)
        #expect(verification.checked == 11)
    }
}
