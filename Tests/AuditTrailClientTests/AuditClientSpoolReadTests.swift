import AuditTrail
import AuditTrailClient
import Foundation
import Logging
import Testing

/// The sender's reads: whole lines, in order, only what is durable, in batches of the size asked
/// for whatever the lines' sizes (the reader reads the segment a step at a time).
@Suite struct AuditClientSpoolReadTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func configuration(_ directory: String, segmentBytes: Int64) -> AuditClientSpool.Configuration {
        var configuration = AuditClientSpool.Configuration(directory: directory)
        configuration.segmentBytes = segmentBytes
        return configuration
    }

    /// Every batch readable from `position` on, across segments, and where reading stopped.
    static func readAll(
        _ spool: AuditClientSpool,
        from start: AuditClientSpool.Position,
        maxRecords: Int
    ) throws -> (batches: [AuditClientSpool.Batch], end: AuditClientSpool.Position) {
        var batches: [AuditClientSpool.Batch] = []
        var position = start
        while true {
            let batch = try spool.read(from: position, maxRecords: maxRecords)
            if batch.records.isEmpty {
                guard batch.next != position else { return (batches, position) }
            } else {
                batches.append(batch)
            }
            position = batch.next
        }
    }

    @Test("batches hold exactly the appended lines, across read steps and segments, up to the durable end")
    func batchesHoldTheAppendedLinesInOrder() async throws {
        let directory = temporaryDirectory("spool-read")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try AuditClientSpool(configuration: Self.configuration(directory, segmentBytes: 3 << 20), logger: Self.logger)
        defer { spool.close() }
        // Lines from 20 bytes to ~9 KiB: a 500-line batch spans several 256 KiB read steps and
        // lines straddle the steps' boundaries.
        var lines: [[UInt8]] = []
        for index in 0..<2_000 {
            let padding = String(repeating: "x", count: (index * 7919) % 9_000)
            lines.append(Array(#"{"action":"doc.view","comment":"\#(index) \#(padding)"}"#.utf8))
        }
        #expect(try spool.read(from: spool.acknowledged, maxRecords: 500).records.isEmpty, "nothing durable yet")
        for line in lines[..<1_500] { _ = try spool.append(line) }
        try await spool.syncAll()
        for line in lines[1_500...] { _ = try spool.append(line) }

        let (batches, position) = try Self.readAll(spool, from: spool.acknowledged, maxRecords: 500)
        let read = batches.flatMap { $0.records.map { Array($0.line) } }
        let batchSizes = batches.map(\.records.count)
        for batch in batches { #expect(batch.next == batch.records.last?.end) }
        #expect(read == Array(lines[..<1_500]), "only the fsynced lines, each whole, in order")
        #expect(batchSizes.allSatisfy { $0 <= 500 })
        #expect(batchSizes.contains(500), "\(batchSizes)")

        try await spool.syncAll()
        let rest = try spool.read(from: position, maxRecords: 10_000, maxBytes: 64 << 20)
        let restLines = rest.records.map { Array($0.line) }
        // The rest may start in a new segment (the reader then returns the next segment's start).
        let tail =
            restLines.isEmpty
            ? try spool.read(from: rest.next, maxRecords: 10_000, maxBytes: 64 << 20).records.map { Array($0.line) } : restLines
        #expect(tail == Array(lines[1_500...].prefix(tail.count)))
        #expect(!tail.isEmpty)
    }

    @Test("a rotation does not wait for the disk, so recovery drops a torn line at the end of any segment")
    func recoveryDropsATornLineInAnEarlierSegment() async throws {
        let directory = temporaryDirectory("spool-torn")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = Self.configuration(directory, segmentBytes: 1 << 10)
        let lines = (0..<200).map { Array(#"{"action":"doc.view","comment":"\#($0)"}"#.utf8) }
        do {
            let spool = try AuditClientSpool(configuration: configuration, logger: Self.logger)
            for line in lines { _ = try spool.append(line) }
            try await spool.syncAll()
            spool.close()
        }
        // What a machine crash between a rotation and the next fsync can leave: the end of an
        // earlier segment torn.
        let segments = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("segment-") }.sorted()
        #expect(segments.count > 3)
        let torn = directory + "/" + segments[1]
        let handle = try #require(FileHandle(forWritingAtPath: torn))
        try handle.seekToEnd()
        try handle.write(contentsOf: Array(#"{"action":"doc.vi"#.utf8))
        try handle.close()

        let spool = try AuditClientSpool(configuration: configuration, logger: Self.logger)
        defer { spool.close() }
        let read = try Self.readAll(spool, from: spool.acknowledged, maxRecords: 1_000).batches.flatMap { $0.records.map { Array($0.line) } }
        #expect(read == lines, "the torn line is gone and every whole line is read, in order")
    }
}
