import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import Foundation
import Logging

/// `audittrail bench stages`: where the microseconds of one event go on the write path, each stage
/// timed alone over the same events, one after the other on one task (so the figures add up and
/// repeat on a busy machine better than a pipelined run's rate does). `bench ingest` runs the same
/// work pipelined over the cores; this says which stage to make cheaper.
struct StagesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "Per-event cost of each stage of the write path, each timed alone (release build).",
        discussion: """
            Stages, in the order an event meets them: building the input (the app's work, here the benchmark's \
            generator), preparing it (validation, redaction, canonical encoding), the same from JSON bytes (what a \
            POST adds), sealing (seq, canonical bytes, leaf and chain hashes, Merkle nodes), the store's append \
            (SQLite rows, id index, Merkle nodes, action counts, the commit's fsync; sealing subtracted), the WAL \
            checkpoint that copies the appended pages into the database file, the search index (keys of each event \
            added to its chunk), writing complete index chunks, and signing a checkpoint every 1,000 events. Then \
            SQLite's own append limit for rows of the stored size, in the same run.
            """
    )

    @Option(help: "Events (a multiple of 65,536 writes whole index chunks).") var events = 131_072
    @Option(help: "Events per store append (one transaction each).") var batch = 10_000
    @Option(name: .customLong("data-dir"), help: "Where to write (default: a new temporary directory, removed afterwards).")
    var dataDirectory: String?

    func validate() throws {
        if !(1_000...10_000_000).contains(events) { throw ValidationError("--events: must be from 1000 to 10000000") }
        if !(1...10_000).contains(batch) { throw ValidationError("--batch: must be from 1 to 10000") }
    }

    func run() async throws {
        var logger = Logger(label: "audittrail.bench")
        logger.logLevel = .warning
        let directory = dataDirectory ?? NSTemporaryDirectory() + "audittrail-stages-\(UInt32.random(in: 0...UInt32.max))"
        defer { if dataDirectory == nil { try? FileManager.default.removeItem(atPath: directory) } }
        var table = StageTable(events: events)

        var generator = BenchEventGenerator(seed: 11)
        var inputs: [AuditEventInput] = []
        inputs.reserveCapacity(events)
        await table.time("input (the app builds it: the benchmark's generator)") {
            for _ in 0..<events { inputs.append(generator.input()) }
        }
        let validator = AuditEventValidator()
        var prepared: [PreparedAuditEvent] = []
        prepared.reserveCapacity(events)
        try await table.time("prepare: validate, redact, canonical parts") {
            for input in inputs { prepared.append(try validator.prepare(input)) }
        }
        inputs = []
        var jsonGenerator = BenchEventGenerator(seed: 11)
        let bodies = (0..<1_000).map { _ in Array(jsonGenerator.json().utf8) }
        try await table.time("prepare from JSON bytes (a POST's body instead of the input)", counted: false) {
            for index in 0..<events { _ = try validator.prepare(json: bodies[index % bodies.count]) }
        }
        var sealer = try AuditSealer(
            head: AuditChainHead(seq: 0, hash: AuditChain.genesis),
            headReceivedAt: .now(),
            tree: AuditMerkleTreeBuilder(),
            stored: [:]
        )
        var sealedBytes = 0
        let sealSeconds = await table.time("seal: seq, canonical bytes, leaf + chain hash, Merkle nodes") {
            for start in stride(from: 0, to: events, by: batch) {
                let rows = sealer.seal(prepared, limit: min(batch, events - start))
                sealedBytes += rows.reduce(0) { $0 + $1.canonical.count }
            }
        }

        // The appends must not wait for the index (timed below as stages of their own).
        var storeConfiguration = SQLiteAuditStore.Configuration(directory: directory + "/store")
        storeConfiguration.indexLagLimit = events + 1
        let store = try await SQLiteAuditStore.open(configuration: storeConfiguration, logger: logger)
        do {
            let appendSeconds = try await table.time(
                "store append: SQLite rows, id index, Merkle nodes, counts, commit + fsync (seal subtracted)"
            ) {
                for start in stride(from: 0, to: events, by: batch) {
                    _ = try await store.append(Array(prepared[start..<min(events, start + batch)]))
                }
            }
            table.adjust(last: appendSeconds - sealSeconds)
            try await table.time("WAL checkpoint: the appended pages copied into the database file") {
                try await store.checkpointWAL()
            }
            let geometry = AuditIndexGeometry.standard
            var chunks: [AuditChunkIndex] = []
            await table.time("search index: each event's keys added to its chunk") {
                for (index, event) in prepared.enumerated() {
                    let seq = Int64(index + 1)
                    let chunk = geometry.chunk(seq)
                    if chunks.last?.chunk != chunk { chunks.append(AuditChunkIndex(chunk: chunk, geometry: geometry)) }
                    chunks[chunks.count - 1].add(seq: seq, event: event.event)
                }
            }
            let complete = chunks.filter { geometry.seqs($0.chunk).upperBound <= Int64(events) }
            try await table.time("search index: complete chunks written (\(complete.count) of 65,536 events)") {
                for chunk in complete { try await store.persistIndexChunk(chunk) }
            }
            try await store.close()
        } catch {
            try? await store.close()
            throw error
        }
        let signer = try AuditSigner(name: "audittrail/bench", seed: (0..<32).map { UInt8($0) })
        let note = Array("audittrail/bench\n1000\nq2FhZ2VuZXJpYy1yb290LWhhc2gtb2YtMzItYnl0ZXM=\n".utf8)
        try await table.time("checkpoint signature (one per 1,000 events)") {
            for _ in 0..<max(1, events / 1_000) { _ = try signer.signature(for: note) }
        }

        let bytes = max(1, sealedBytes / events)
        let limit = try await SQLiteAppendLimit.measure(path: directory + "/append-limit.sqlite", rows: events, bytesPerRow: bytes)
        table.print(reference: limit, bytes: bytes)
    }
}

/// The stages' timings and their table.
private struct StageTable {
    let events: Int
    private var rows: [(name: String, seconds: Double, counted: Bool)] = []

    init(events: Int) { self.events = events }

    @discardableResult
    mutating func time(_ name: String, counted: Bool = true, _ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = seconds(ContinuousClock.now - start)
        rows.append((name, elapsed, counted))
        return elapsed
    }

    /// Replaces the last stage's time (a stage that includes another one, subtracted).
    mutating func adjust(last elapsed: Double) { rows[rows.count - 1].seconds = max(0, elapsed) }

    func print(reference: Double, bytes: Int) {
        let total = rows.filter(\.counted).reduce(0) { $0 + $1.seconds }
        Swift.print("Write path, \(events) events (\(bytes) bytes stored on average), each stage alone on one core:")
        Swift.print("| stage | µs/event | share |")
        Swift.print("|---|---|---|")
        for row in rows {
            let micro = row.seconds / Double(events) * 1e6
            let share = row.counted ? String(format: "%.0f %%", row.seconds / total * 100) : "(not in the sum)"
            Swift.print("| \(row.name) | \(String(format: "%.2f", micro)) | \(share) |")
        }
        Swift.print(String(format: "| **sum** | **%.2f** | 100 %% |", total / Double(events) * 1e6))
        Swift.print(
            String(
                format: "SQLite's append limit, same run (%d rows of %d bytes, 10,000-row transactions, no index): %.0f rows/s = %.2f µs/row",
                events,
                bytes,
                reference,
                1e6 / reference
            )
        )
    }
}
