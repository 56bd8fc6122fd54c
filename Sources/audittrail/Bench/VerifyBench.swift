import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import Foundation
import Logging

/// `audittrail bench verify`: how fast a log is verified (chain alone, then chain + Merkle tree +
/// every checkpoint), and what an inclusion or consistency proof costs at that size.
struct VerifyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verification speed and proof latency over a large log.",
        discussion: """
            Without --data-dir it first writes --events events (default 1,000,000) into a temporary \
            store through the writer with a checkpoint every 1,000 events, as the server does. It then \
            reopens the store and times verifyChain and verifyLog (chain, every Merkle leaf and stored \
            node, every checkpoint's root and signature), then --proofs inclusion proofs of random \
            events and consistency proofs from random sizes to the head, each built from the stored \
            subtree hashes and checked against the recomputed roots.
            """
    )

    @Option(help: "Events to write first (ignored with --data-dir).") var events = 1_000_000
    @Option(name: .customLong("data-dir"), help: "Verify this existing data directory instead (its signing.key, if any, checks signatures).")
    var dataDirectory: String?
    @Option(help: "Proofs of each kind to time.") var proofs = 1000
    @Option(help: "What to time, comma-separated: chain, log, proofs.") var parts = "chain,log,proofs"
    @Flag(name: .customLong("small-events"), help: "Write minimal events (~280 bytes stored) instead of ~720-byte ones.")
    var smallEvents = false

    var selected: Set<Substring> { Set(parts.split(separator: ",")) }

    func validate() throws {
        if !(1...100_000_000).contains(events) { throw ValidationError("--events: must be from 1 to 100000000") }
        if !(1...1_000_000).contains(proofs) { throw ValidationError("--proofs: must be from 1 to 1000000") }
        if selected.isEmpty || !selected.isSubset(of: ["chain", "log", "proofs"]) {
            throw ValidationError("--parts: must list chain, log and/or proofs, comma-separated")
        }
    }

    func run() async throws {
        var logger = Logger(label: "audittrail.bench")
        logger.logLevel = .warning
        let directory = dataDirectory ?? NSTemporaryDirectory() + "audittrail-bench-verify-\(UInt32.random(in: 0...UInt32.max))"
        defer { if dataDirectory == nil { try? FileManager.default.removeItem(atPath: directory) } }
        if dataDirectory == nil {
            let store = try await SQLiteAuditStore.open(configuration: .init(directory: directory), logger: logger)
            print("Writing \(events) \(smallEvents ? "minimal" : "typical") events (checkpoint every 1,000)…")
            let elapsed = try await benchIngest(
                into: store,
                directory: directory,
                events: events,
                batch: 10_000,
                producers: 2,
                checkpointEvents: 1000,
                smallEvents: smallEvents,
                logger: logger
            )
            print("  written in \(String(format: "%.1f", elapsed)) s")
            try await store.close()
        } else if !FileManager.default.fileExists(atPath: directory + "/audit.sqlite") {
            throw ValidationError("--data-dir: \(directory) holds no audit.sqlite")
        }
        let store = try await SQLiteAuditStore.open(configuration: .init(directory: directory), logger: logger)
        let head = try await store.head()

        if selected.contains("chain") {
            let clock = ContinuousClock.now
            let chain = try await store.verifyChain()
            let elapsed = seconds(ContinuousClock.now - clock)
            print(
                "verifyChain: \(chain.checked) events in \(String(format: "%.2f", elapsed)) s = \(Int(Double(chain.checked) / elapsed)) events/s (ok: \(chain.ok))"
            )
        }
        if selected.contains("log") {
            let clock = ContinuousClock.now
            let log = try await store.verifyLog(publicKey: nil)
            let elapsed = seconds(ContinuousClock.now - clock)
            print(
                "verifyLog (chain + Merkle leaves and nodes + \(log.checkpointsChecked) checkpoint roots): \(log.checked) events in \(String(format: "%.2f", elapsed)) s = \(Int(Double(log.checked) / elapsed)) events/s (ok: \(log.ok))"
            )
        }
        let size = head.seq
        guard selected.contains("proofs"), size >= 2 else {
            try await store.close()
            return
        }
        let root = try await store.root(size: size)
        var inclusion: [Double] = []
        for _ in 0..<proofs {
            let index = Int64.random(in: 0..<size)
            let start = ContinuousClock.now
            let proof = try await store.inclusionProof(index: index, size: size)
            inclusion.append(seconds(ContinuousClock.now - start))
            let leaf = try await store.hash(level: 0, index: index)
            try AuditMerkle.verifyInclusion(leafHash: leaf, index: index, size: size, proof: proof, root: root)
        }
        var consistency: [Double] = []
        for _ in 0..<proofs {
            let from = Int64.random(in: 1..<size)
            let start = ContinuousClock.now
            let proof = try await store.consistencyProof(from: from, to: size)
            consistency.append(seconds(ContinuousClock.now - start))
            try AuditMerkle.verifyConsistency(from: from, to: size, oldRoot: try await store.root(size: from), newRoot: root, proof: proof)
        }
        func summary(_ values: [Double]) -> String {
            let sorted = values.sorted()
            func ms(_ value: Double) -> String { String(format: "%.3f ms", value * 1000) }
            return "p50 \(ms(sorted[sorted.count / 2])), p99 \(ms(sorted[min(sorted.count - 1, sorted.count * 99 / 100)])), max \(ms(sorted.last!))"
        }
        print("inclusion proof at tree size \(size) (\(proofs), each verified): \(summary(inclusion))")
        print("consistency proof to tree size \(size) (\(proofs), each verified): \(summary(consistency))")
        try await store.close()
    }
}
