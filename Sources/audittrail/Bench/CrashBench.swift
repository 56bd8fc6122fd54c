import ArgumentParser
import AuditTrail
import AuditTrailClient
import AuditTrailPostgres
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `audittrail bench crash`: SIGKILLs the real server again and again under concurrent writers
/// and checks, after every kill, that each acknowledged event is stored exactly once and that
/// the data directory verifies.
struct CrashBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash",
        abstract: "Kill the server (SIGKILL) at random moments under load; check every acknowledged event is stored once and the log verifies.",
        discussion: """
            Starts this binary's `serve` on --data-dir (default a new directory under /tmp, removed when the run \
            passes) with small checkpoint and index-chunk settings, and --writers concurrent writers (half send \
            single events, half batches of 1…--max-batch), each event with a client-chosen id; a request that gets \
            no answer is sent again, same ids, until it is acknowledged. Each of --crashes rounds lets the writers \
            run, then SIGKILLs the server. The kinds take turns: a kill at a random moment (0.05 s to \
            --max-delay after the writers resume), one during a retention run (events up to the newest checkpoint \
            are made to look two days old before the restart, and the server, with a one-day window, runs \
            retention every 0.5 s), one right after the log crossed an index-chunk boundary (the chunk is \
            merged into the index file within a second), and one right after it crossed a checkpoint boundary \
            (a signed checkpoint every 64 events). After each kill, with the server down, the ids stored in the \
            data directory are compared with the ledger of acknowledged ids (lost: acknowledged, not stored and \
            not removed by retention; duplicate: stored more than once) and `audittrail verify --data-dir` runs \
            (with --indexes once no aged event is left), remembering checkpoints across runs (--state); then the \
            server is restarted on the same directory. The summary line counts it all; the exit status is \
            non-zero on any loss, duplicate, verify failure, server error or failed restart.

            With --database-url (a role that may create schemas) the server serves a PostgreSQL log in a new \
            schema instead (dropped when the run passes, kept and named when it fails), and the kills take turns \
            between a random moment and a checkpoint boundary (the retention and merge kinds age rows and read \
            the index file of a SQLite data directory); the stored ids are read through the store, and \
            `audittrail verify` runs on the schema.
            """
    )

    @Option(help: "Kills.") var crashes = 100
    @Option(help: "Concurrent writers.") var writers = 16
    @Option(name: .customLong("data-dir"), help: "The data directory (kept); default a new one under /tmp, removed when the run passes.")
    var dataDirectory: String?
    @Option(help: "Seed of the delays, batch sizes and ids (default: random, printed).") var seed: UInt64?
    @Option(name: .customLong("max-delay"), help: "Longest time, in seconds, the writers run before a random kill.")
    var maxDelay = 2.0
    @Option(name: .customLong("max-batch"), help: "Most events in one batch request.") var maxBatch = 20
    @OptionGroup var database: DatabaseURLOption

    func validate() throws {
        if !(1...100_000).contains(crashes) { throw ValidationError("--crashes: must be from 1 to 100000") }
        if !(1...256).contains(writers) { throw ValidationError("--writers: must be from 1 to 256") }
        if !(0.1...60).contains(maxDelay) { throw ValidationError("--max-delay: must be from 0.1 to 60 seconds") }
        if !(1...10_000).contains(maxBatch) { throw ValidationError("--max-batch: must be from 1 to 10000") }
    }

    enum Kind: String, CaseIterable {
        case random = "random moment"
        case retention = "retention run"
        case merge = "index merge"
        case checkpoint = "checkpoint"
    }

    /// The chunk size of the server's search index in this bench (1,024 seqs).
    static let chunkShift = 10
    /// Events per signed checkpoint in this bench.
    static let checkpointEvents: Int64 = 64

    func run() async throws {
        let seed = self.seed ?? UInt64.random(in: 1...UInt64(UInt32.max))
        var random = CrashRandom(seed: seed)
        let directory = dataDirectory ?? "/tmp/crash-bench-\(seed)-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let work = directory + "/crash-bench"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let adminKey = "crash-" + AuditHex.string((0..<16).map { _ in UInt8.random(in: 0...255) })
        let log = try crashLog(directory: directory, seed: seed)
        let kinds: [Kind] = if case .postgres = log { [.random, .checkpoint] } else { Kind.allCases }
        var on = "data \(directory)"
        if case .postgres(let configuration, _) = log {
            on = "PostgreSQL \(configuration.host):\(configuration.port)/\(configuration.database), schema \(configuration.schema)"
        }
        say("bench crash: \(crashes) kills, \(writers) writers, seed \(seed), \(on), server log \(work)/server.log")

        let ledger = CrashLedger()
        var tally = Tally()
        let writerTasks = (0..<writers).map { index in
            Task { await ledger.runWriter(index, seed: seed, maxBatch: maxBatch) }
        }
        var server = try CrashServer.start(directory: directory, work: work, adminKey: adminKey, log: log)
        var connection = try await server.waitUntilListening()
        var aged: (ids: Set<String>, through: Int64) = ([], 0)
        do {
            for crash in 1...crashes {
                let kind = kinds[(crash - 1) % kinds.count]
                tally.kinds[kind, default: 0] += 1
                let before = ledger.state.withLock { $0.highestSeq }
                ledger.resume(with: connection)
                try await waitForKill(kind, before: before, ledger: ledger, random: &random)
                server.kill()
                await ledger.pause()
                try await connection.shutdown()

                let check = try await CrashStoreCheck.read(log)
                tally.note(kind, check: check, before: before, aged: aged.through)
                try await tally.compare(check, ledger: ledger, aged: aged.ids)
                // The derived indexes are checked on SQLite (PostgreSQL writes its chunks in the 30-s upkeep).
                let indexes = check.removedThrough >= aged.through && kinds.count == Kind.allCases.count
                try tally.verify(log, directory: directory, work: work, indexes: indexes)
                if indexes { aged = ([], 0) }
                let next = kinds[crash % kinds.count]
                if next == .retention, crash < crashes {
                    let more = try await CrashStoreCheck.age(directory)
                    aged = (aged.ids.union(more.ids), max(aged.through, more.through))
                }
                try tally.requireClean(ledger)
                if crash % 10 == 0 || crash == crashes { say(tally.line(ledger, crashes: crash)) }
                server = try CrashServer.start(directory: directory, work: work, adminKey: adminKey, log: log)
                connection = try await server.waitUntilListening()
            }
            // The last restart is checked too: writers off, a graceful stop, then the same checks.
            let status = server.terminate()
            if status != 0 { tally.problems.append("the server exited \(status) after SIGTERM") }
            try await connection.shutdown()
            let check = try await CrashStoreCheck.read(log)
            try await tally.compare(check, ledger: ledger, aged: aged.ids)
            try tally.verify(
                log,
                directory: directory,
                work: work,
                indexes: check.removedThrough >= aged.through && kinds.count == Kind.allCases.count
            )
            try tally.requireClean(ledger)
        } catch {
            ledger.stop()
            server.kill()
            for task in writerTasks { await task.value }
            say(tally.line(ledger, crashes: tally.kinds.values.reduce(0, +)))
            say("bench crash FAILED: \(error) (data kept in \(directory)\(on.hasPrefix("PostgreSQL") ? "; " + on : ""))")
            throw ExitCode.failure
        }
        ledger.stop()
        for task in writerTasks { await task.value }
        say(tally.details(ledger))
        say(tally.line(ledger, crashes: crashes))
        if dataDirectory == nil { try? FileManager.default.removeItem(atPath: directory) }
        if case .postgres(let configuration, _) = log {
            try await PostgresAuditStore.withStore(configuration: configuration, logger: Logger(label: "audittrail.bench.crash")) { store in
                try await store.dropSchemaForTests(configuration.schema)
            }
        }
    }

    /// The log the server serves: SQLite in `directory`, or with --database-url a new PostgreSQL
    /// schema (`test_bench_crash_…`).
    private func crashLog(directory: String, seed: UInt64) throws -> CrashLog {
        guard var configuration = try database.configuration() else { return .sqlite(directory: directory) }
        let url = try database.requiredURL()
        configuration.schema = "test_bench_crash_\(seed)_\(UInt16.random(in: 0...UInt16.max))"
        return .postgres(configuration, url: IngestBench.url(url, schema: configuration.schema))
    }

    /// One line to standard output, written at once (not held in a buffer when the output is a
    /// file), so the progress of a long run shows as it comes.
    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Lets the writers run until the moment of this kind's kill.
    private func waitForKill(_ kind: Kind, before: Int64, ledger: CrashLedger, random: inout CrashRandom) async throws {
        switch kind {
        case .random:
            try await Task.sleep(for: .seconds(random.seconds(0.05...maxDelay)))
        case .retention:
            // Retention runs 0.5 s after the start and then every 0.5 s.
            try await Task.sleep(for: .seconds(random.seconds(0.3...1.5)))
        case .merge:
            // Past the next chunk boundary, the maintenance loop (every second) merges the chunk.
            let size = Int64(1) << Self.chunkShift
            try await waitForSeq(((before / size) + 1) * size, ledger: ledger)
            try await Task.sleep(for: .seconds(random.seconds(0...1.2)))
        case .checkpoint:
            let size = Self.checkpointEvents
            try await waitForSeq(((before / size) + 1) * size, ledger: ledger)
            try await Task.sleep(for: .seconds(random.seconds(0...0.3)))
        }
    }

    private func waitForSeq(_ seq: Int64, ledger: CrashLedger) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ledger.state.withLock({ $0.highestSeq }) < seq {
            guard ContinuousClock.now < deadline else { throw ValidationError("the log did not reach seq \(seq) within 60 s") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}
