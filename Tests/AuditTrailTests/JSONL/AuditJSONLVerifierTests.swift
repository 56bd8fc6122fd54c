import AuditTrail
import Foundation
import Testing

@Suite("AuditJSONLVerifier", .timeLimit(.minutes(1)))
struct AuditJSONLVerifierTests {
    /// One way to tamper with the second day file (seqs 5…10; day one holds 1…4), and what
    /// verification must say.
    enum Tamper: String, CaseIterable, Sendable {
        case edited, deleted, reordered, inserted, movedToAnotherDay

        /// The expected problem: its kind and seq.
        var expected: (kind: AuditChainVerifier.Problem.Kind, seq: Int64) {
            switch self {
            case .edited: (.edited, 7)
            case .deleted: (.missing, 7)
            case .reordered: (.reordered, 7)
            case .inserted: (.inserted, 7)
            case .movedToAnotherDay: (.reordered, 5)
            }
        }

        func apply(_ directory: JSONLTestDirectory, days: [String]) throws {
            var lines = try directory.lines(days[1])
            // lines[2] holds seq 7.
            switch self {
            case .edited: lines[2] = lines[2].replacingOccurrences(of: "\"data.read\"", with: "\"data.send\"")
            case .deleted: lines.remove(at: 2)
            case .reordered: lines.swapAt(2, 3)
            case .inserted: lines.insert(lines[2], at: 3)
            case .movedToAnotherDay:
                var first = try directory.lines(days[0])
                first.append(lines.removeFirst())
                try directory.write(days[0], lines: first)
            }
            try directory.write(days[1], lines: lines)
        }
    }

    static func makeLog() throws -> JSONLTestDirectory {
        let directory = try JSONLTestDirectory()
        let clock = JSONLTestClock(JSONLTests.beforeMidnight)
        let log = try JSONLTests.open(directory, clock: clock)
        _ = try log.appendSynchronously((1...4).map { JSONLTests.event($0) })
        clock.advance(milliseconds: 3_000)
        for index in 5...10 { _ = try log.appendSynchronously([JSONLTests.event(index)]) }
        log.close()
        return directory
    }

    @Test func anUntouchedLogVerifies() throws {
        let directory = try Self.makeLog()
        defer { directory.remove() }
        let result = try AuditJSONLVerifier.verify(directory: directory.path)
        #expect(result.ok)
        #expect(result.files == 2)
        #expect(result.checked == 10)
        #expect(result.head.seq == 10)
    }

    @Test(arguments: Tamper.allCases)
    func eachTamperIsNamedBySeq(_ tamper: Tamper) throws {
        let directory = try Self.makeLog()
        defer { directory.remove() }
        let days = try directory.dayFiles()
        try tamper.apply(directory, days: days)
        let result = try AuditJSONLVerifier.verify(directory: directory.path)
        let problem = try #require(result.problem)
        #expect(problem.kind == tamper.expected.kind)
        #expect(problem.seq == tamper.expected.seq)
        #expect(result.problemFile != nil)
        #expect(result.problemLine != nil)
    }

    @Test func aLogThatDoesNotStartAtSeqOneFails() throws {
        let directory = try Self.makeLog()
        defer { directory.remove() }
        let days = try directory.dayFiles()
        var lines = try directory.lines(days[0])
        lines.removeFirst()
        try directory.write(days[0], lines: lines)
        let problem = try #require(try AuditJSONLVerifier.verify(directory: directory.path).problem)
        #expect(problem.kind == .missing)
        #expect(problem.seq == 1)
    }
}
