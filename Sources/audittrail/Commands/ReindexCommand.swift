import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import Foundation

/// `audittrail reindex`: rebuilds everything derived from the events' canonical bytes — the
/// search index and its rollups, each row's copies of its fields, the action counts — then
/// verifies them, on either store. Recorded in the log as `audit.reindex`.
struct ReindexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild the search index, rollups, rows' copies of their fields and action counts from the events' canonical bytes.",
        usage: "audittrail reindex [--data-dir DIR | --database-url URL] [--json] [--quiet]",
        discussion: """
            Stop the servers on the log first (a running server keeps what it cached until it restarts). \
            The events' canonical bytes, the chain and the Merkle tree are read, never written: run \
            `audittrail verify` to check those. Afterwards `audittrail verify --indexes` passes. On \
            PostgreSQL the rows' copies of their fields are not rewritten (the log's tables refuse every \
            UPDATE): a row whose copies differ is counted as left and the check after the rebuild names it.
            """
    )

    @Flag(help: "Print the result as JSON.") var json = false
    @Flag(help: "No progress output.") var quiet = false
    @OptionGroup var data: DataDirectoryOptions

    func run() async throws {
        let showProgress = !quiet && !json
        let clock = ContinuousClock()
        let start = clock.now
        let (rebuild, check) = try await withStore(data) { store in
            let rebuild = try await store.rebuildDerivedData { done, head in
                if showProgress, head > 0 {
                    FileHandleOutput.progress("read \(done) of \(head) events (\(done * 100 / head)%)")
                }
            }
            if showProgress { FileHandleOutput.endProgress() }
            let check = try await store.verifyDerivedData(progress: nil)
            try await recordOperatorEvent(
                AuditEventInput(
                    action: "audit.reindex",
                    outcome: check.ok ? .success : .failure,
                    actor: operatorActor(),
                    resource: .init(type: "audit_log", id: "audittrail reindex"),
                    metadata: .object([
                        "rows_repaired": .int(Int64(rebuild.rowsRepaired)), "action_counts_repaired": .int(Int64(rebuild.actionCountsRepaired)),
                        "chunks_built": .int(Int64(rebuild.chunksBuilt)), "rows_left": .int(Int64(rebuild.rowsLeft)),
                    ])
                ),
                in: store
            )
            return (rebuild, check)
        }
        let elapsed = seconds(clock.now - start)
        if json {
            let bad = check.problem.map { String($0.seq) } ?? "null"
            print(
                #"{"ok":\#(check.ok),"rows_repaired":\#(rebuild.rowsRepaired),"rows_left":\#(rebuild.rowsLeft),"action_counts_repaired":\#(rebuild.actionCountsRepaired),"chunks_built":\#(rebuild.chunksBuilt),"checked_events":\#(check.checkedEvents),"first_bad_seq":\#(bad)}"#
            )
        } else if let problem = check.problem {
            let left = rebuild.rowsLeft > 0 ? " (\(rebuild.rowsLeft) rows' copies differ from their canonical bytes and were left as evidence)" : ""
            print("FAILED after the rebuild at seq \(problem.seq): \(problem.kind.rawValue) — \(problem.detail)\(left)")
        } else {
            print(
                "OK: rebuilt \(rebuild.chunksBuilt) index chunks, repaired \(rebuild.rowsRepaired) rows' copies and \(rebuild.actionCountsRepaired) action counts; "
                    + "\(check.checkedEvents) events verified (\(VerifyCommand.took(elapsed, events: check.checkedEvents)))"
            )
        }
        if !check.ok { throw ExitCode(1) }
    }
}
