import ArgumentParser
import AuditTrail
import Foundation
import Synchronization

extension CrashBench {
    /// What the kills and checks found so far.
    struct Tally {
        var kinds: [Kind: Int] = [:]
        var acknowledged = 0
        var stored = 0
        var duplicates = 0
        var lost = 0
        /// Acknowledged events that retention removed (aged on purpose before a retention kill).
        var retired: Set<String> = []
        /// Sent but never acknowledged (cut off by a kill, then re-sent), and stored.
        var unacknowledgedStored = 0
        var verifyPassed = 0
        var verifyWithIndexes = 0
        var problems: [String] = []
        /// Where each kind's kill landed.
        var retentionMidRun = 0
        var retentionBefore = 0
        var retentionDone = 0
        var mergePending = 0
        var checkpointPending = 0
        var lastRemoved: Int64 = 0

        /// Records where a kill landed: before, during or after the work its kind aimed at.
        mutating func note(_ kind: Kind, check: CrashStoreCheck, before: Int64, aged: Int64) {
            switch kind {
            case .retention where aged > lastRemoved:
                if check.removedThrough <= lastRemoved {
                    retentionBefore += 1
                } else if check.removedThrough < aged {
                    retentionMidRun += 1
                } else {
                    retentionDone += 1
                }
            case .merge:
                // The chunks complete at the kill, against the newest one merged into the index file.
                if check.head >> CrashBench.chunkShift > check.mergedChunk + 1 { mergePending += 1 }
            case .checkpoint:
                if check.checkpointSize < check.head { checkpointPending += 1 }
            default:
                break
            }
            lastRemoved = check.removedThrough
        }

        /// The ledger against the ids stored: every acknowledged id once, or removed by retention.
        mutating func compare(_ check: CrashStoreCheck, ledger: CrashLedger, aged: Set<String>) async throws {
            let (acknowledged, sent) = ledger.state.withLock { ($0.acknowledged, $0.sent) }
            self.acknowledged = acknowledged.count
            var stored = 0
            var lost: [String] = []
            var duplicates: [String] = []
            for id in acknowledged {
                switch check.counts[id] ?? 0 {
                case 1: stored += 1
                case 0:
                    if retired.contains(id) || aged.contains(id) {
                        retired.insert(id)
                    } else {
                        lost.append(id)
                    }
                default: duplicates.append(id)
                }
            }
            for (id, count) in check.counts where count > 1 && !acknowledged.contains(id) { duplicates.append(id) }
            self.stored = stored
            self.lost = lost.count
            self.duplicates = duplicates.count
            unacknowledgedStored = check.counts.keys.filter { !acknowledged.contains($0) && sent.contains($0) }.count
            if let id = lost.first { problems.append("\(lost.count) acknowledged events lost (first id \(id)); head seq \(check.head)") }
            if let id = duplicates.first { problems.append("\(duplicates.count) ids stored more than once (first \(id))") }
        }

        /// `audittrail verify` (`--data-dir`, or the PostgreSQL log) as a child process; the state file remembers the newest
        /// checkpoint across runs, so a log that lost a checkpointed tail fails.
        mutating func verify(_ log: CrashLog, directory: String, work: String, indexes: Bool) throws {
            let output = work + "/verify.out"
            try? FileManager.default.removeItem(atPath: output)
            var arguments = ["verify"] + log.verifyArguments(directory: directory) + ["--state", work + "/verify-state.json", "--json", "--quiet"]
            if indexes { arguments.append("--indexes") }
            let process = try ChildProcess(
                executable: CrashServer.executable,
                arguments: arguments,
                environment: CrashServer.environment(log.environment),
                outputPath: output
            )
            let status = process.wait()
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if status == 0, text.contains(#""ok":true"#) {
                verifyPassed += 1
                if indexes { verifyWithIndexes += 1 }
            } else {
                problems.append("verify exited \(status): \(text.prefix(600))")
            }
        }

        /// Throws the first problem found, or a failure the writers met (a 4xx or 500 answer).
        mutating func requireClean(_ ledger: CrashLedger) throws {
            problems += ledger.state.withLock { state in
                defer { state.failures = [] }
                return state.failures
            }
            if let problem = problems.first { throw ValidationError(problem) }
        }

        /// The summary line.
        func line(_ ledger: CrashLedger, crashes: Int) -> String {
            "crashes \(crashes), acknowledged \(acknowledged), stored \(stored), removed by retention \(retired.count), "
                + "duplicates \(duplicates), lost \(lost), verify passed \(verifyPassed) times"
        }

        /// Where the kills landed and what the writers saw.
        func details(_ ledger: CrashLedger) -> String {
            let state = ledger.state.withLock { $0 }
            let byKind = Kind.allCases.map { "\($0.rawValue) \(kinds[$0] ?? 0)" }.joined(separator: ", ")
            return """
                kills by kind: \(byKind)
                retention kills: \(retentionMidRun) mid-run (some aged events removed, not all), \(retentionBefore) before the run removed any, \(retentionDone) after it finished
                index-merge kills with a complete chunk not yet merged: \(mergePending); checkpoint kills with the head past the newest checkpoint: \(checkpointPending)
                requests acknowledged: \(state.singles) single, \(state.batches) batch (\(state.resends) after a re-send); 503 answers \(state.overloaded)
                sent but unacknowledged events found stored: \(unacknowledgedStored); verify runs with --indexes: \(verifyWithIndexes)
                """
        }
    }
}
