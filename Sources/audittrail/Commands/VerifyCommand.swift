import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import Foundation

/// `audittrail verify`: re-hashes the stored chain and Merkle tree, checks every checkpoint's root
/// and signature, proves the log still extends the checkpoint verified last time, and names the
/// first bad seq.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Verify a data directory (hash chain, Merkle roots at every checkpoint, signatures), a running server, an export file or a daily JSONL log; exits 1 and names the first bad seq.",
        usage: """
            audittrail verify [--data-dir DIR] [--indexes] [--public-key KEY|FILE] [--signing-key FILE] [--state PATH | --no-state] [--json] [--quiet]
            audittrail verify --server http://host:port [--api-key-file FILE] [--public-key KEY|FILE] [--full] [--indexes] [--state PATH | --no-state] [--json]
            audittrail verify --export FILE --public-key KEY|FILE [--json] [--quiet]
            audittrail verify --stream-batch FILE|DIR [--stream-batch FILE …] --public-key KEY|FILE [--json]
            audittrail verify --jsonl DIR [--json]
            """,
        discussion: """
            The public key is --public-key, else the one of the signing key (--signing-key, $AUDITTRAIL_SIGNING_KEY_FILE \
            or signing.key in the data directory). The newest verified checkpoint and the key are remembered in the \
            state file (--state, default ~/.audittrail/verify-state.json, per log id); the next run checks that the log \
            still extends it and that the key is the same, so truncation, rollback and a replaced key are caught. \
            After a deliberate key change, remove the log's entry from the state file (or pass --no-state once). \
            With --server, the newest checkpoint must be signed by --public-key, else by the key pinned in the state file; \
            with neither, the server's own key is trusted on first use, pinned, and the output says so. The log must \
            still extend the checkpoint verified last time from this machine (a consistency proof); --full \
            also has the server re-hash every stored event. With --export FILE, an export file is checked offline \
            against --public-key: its signed checkpoint, every event's bytes, the chain and the rebuilt Merkle root \
            (contiguous) or each inclusion proof (filtered), and that the file is complete. With --stream-batch \
            (repeatable), the batches a stream delivered are checked the same way, each alone, and together: in seq \
            order each must start where the one before ended, its chain continuing the previous batch's. \
            --indexes also checks everything derived from the events' canonical bytes — the search index's sets, time \
            columns and rollups, each row's copies of its fields (id, time, action, …) and the action counts — naming \
            the first seq where they disagree; `audittrail reindex` rebuilds them. \
            With --jsonl DIR, a daily JSONL log (events-YYYY-MM-DD.jsonl files: an embedded JSONL log, or a writer's \
            fallback directory or one of its replayed/ archives) is checked offline: every line's bytes and chain hash \
            from seq 1 across the day files, each event on its received_at day; an edited, deleted, reordered or \
            inserted line is named by seq, file and line. The newest events cut off the end are not detectable from \
            the files alone: compare the printed head with one kept elsewhere.
            """
    )

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    @Option(name: .customLong("public-key"), help: "The log's public key (<name>+<hash>+<base64>, as `keys public` prints it), or a file holding it.")
    var publicKey: String?

    @Option(name: .customLong("signing-key"), help: "The signing key file whose public half verifies the checkpoints.")
    var signingKey: String?

    @Option(help: "The state file (default ~/.audittrail/verify-state.json).")
    var state: String?

    @Flag(name: .customLong("no-state"), help: "Neither read nor write the state file.")
    var noState = false

    @OptionGroup var remote: ServerOptions

    @Flag(help: "With --server: also have the server re-hash every stored event (an admin or auditor key).")
    var full = false

    @Flag(help: "Also check the search index, rollups, rows' copies of their fields and action counts against the canonical bytes.")
    var indexes = false

    @Option(help: "Verify an export file (from `audittrail export`) offline with --public-key: no server, no data directory.")
    var export: String?

    @Option(
        name: .customLong("stream-batch"),
        help: "Verify a batch a stream delivered (repeat for several: they must meet), or every batch file of a directory, offline with --public-key."
    )
    var streamBatches: [String] = []

    @Option(help: "Verify a daily JSONL log directory (events-YYYY-MM-DD.jsonl files) offline: no server, no data directory.")
    var jsonl: String?

    @OptionGroup var data: DataDirectoryOptions

    func validate() throws {
        if jsonl != nil {
            if export != nil || remote.server != nil || remote.apiKey != nil || remote.apiKeyFile != nil || full || indexes
                || data.dataDirectory != nil || signingKey != nil || publicKey != nil || state != nil || noState
            {
                throw ValidationError("--jsonl: combines only with --json and --quiet (the files carry no checkpoint, key or index)")
            }
        }
        if !streamBatches.isEmpty, export != nil || jsonl != nil {
            throw ValidationError("--stream-batch: cannot be combined with --export or --jsonl")
        }
        if export != nil || !streamBatches.isEmpty {
            let flag = export != nil ? "--export" : "--stream-batch"
            if remote.server != nil || remote.apiKey != nil || remote.apiKeyFile != nil || full || data.dataDirectory != nil || signingKey != nil
                || state != nil || noState
            {
                throw ValidationError(
                    "\(flag): cannot be combined with --server, --api-key, --api-key-file, --full, --data-dir, --signing-key, --state or --no-state"
                )
            }
            if indexes {
                throw ValidationError("--indexes: an export file has no index; use it with --data-dir or --server")
            }
            guard publicKey != nil else {
                throw ValidationError("--public-key: required with \(flag) (the key `audittrail keys public` prints)")
            }
        }
        if noState, state != nil { throw ValidationError("--no-state: cannot be combined with --state") }
        if remote.server == nil, full { throw ValidationError("--full: only with --server") }
        if remote.server != nil, data.dataDirectory != nil || signingKey != nil {
            throw ValidationError("--server: cannot be combined with --data-dir or --signing-key (give --public-key)")
        }
    }

    func run() async throws {
        if remote.server != nil { return try await runRemote() }
        if let export { return try runExport(export) }
        if !streamBatches.isEmpty { return try runStreamBatches(streamBatches) }
        if let jsonl { return try runJSONL(jsonl) }
        let showProgress = !quiet && !json
        let statePath = noState ? nil : state ?? ProcessInfo.processInfo.environment["AUDITTRAIL_VERIFY_STATE"] ?? VerifyState.defaultPath
        let clock = ContinuousClock()
        let start = clock.now
        let (result, derived, logID, key, pinnedKey) = try await withStore(data) { store in
            let logID = try await store.logID()
            let key = try resolveKey(hasCheckpoints: try await store.latestCheckpoint() != nil)
            var saved: VerifyState?
            do {
                saved = try statePath.map(VerifyState.load(from:))
            } catch let error as AuditTrailError {
                throw ValidationError(cliMessage(error))
            }
            let entry = saved?.logs[logID]
            let result = try await store.verifyLog(publicKey: key, pinned: entry?.pinned, pageSize: 20_000) { checked, head in
                if showProgress, head > 0 {
                    FileHandleOutput.progress("verified \(checked) of \(head) events (\(checked * 100 / head)%)")
                }
            }
            var derived: AuditIndexVerification?
            if indexes, result.ok {
                if showProgress { FileHandleOutput.endProgress() }
                derived = try await store.verifyDerivedData { checked, head in
                    if showProgress, head > 0 {
                        FileHandleOutput.progress("checked the indexes of \(checked) of \(head) events (\(checked * 100 / head)%)")
                    }
                }
            }
            return (result, derived, logID, key, entry?.publicKey)
        }
        if showProgress { FileHandleOutput.endProgress() }
        var problem = result.problem ?? derived?.problem
        if problem == nil, let pinnedKey, pinnedKey != key?.text {
            problem = .init(
                seq: 1,
                kind: .badSignature,
                detail: "the log's key is \(key?.text ?? "gone"), but \(pinnedKey) signed the checkpoint verified before (a replaced key)"
            )
        }
        var saved = statePath.flatMap { try? VerifyState.load(from: $0) } ?? VerifyState()
        // Never move the kept checkpoint back (checkpoints deleted behind the server's back).
        if problem == nil, let statePath, let latest = result.latestCheckpoint,
            latest.treeSize >= saved.logs[logID]?.pinned.treeSize ?? 0
        {
            let origin = (try? AuditCheckpoint(body: AuditSignedNote(parsing: latest.note).text).origin) ?? ""
            saved.logs[logID] = VerifyState.Entry(
                origin: origin,
                pinned: AuditPinnedCheckpoint(treeSize: latest.treeSize, rootHash: latest.rootHash, frontier: result.latestFrontier),
                publicKey: key?.text,
                verifiedAt: .now()
            )
            do {
                try saved.save(to: statePath)
            } catch let error as AuditTrailError {
                throw ValidationError(cliMessage(error))
            }
        }
        let elapsedSeconds = seconds(clock.now - start)
        if json {
            let bad = problem.map { String($0.seq) } ?? "null"
            let text = problem.map { "\"\(jsonEscaped("\($0.kind.rawValue): \($0.detail)"))\"" } ?? "null"
            let kind = problem.map { "\"\($0.kind.rawValue)\"" } ?? "null"
            print(
                #"{"ok":\#(problem == nil),"checked":\#(result.checked),"indexes_checked_events":\#(derived.map { String($0.checkedEvents) } ?? "null"),"first_bad_seq":\#(bad),"problem":\#(text),"kind":\#(kind),"checkpoints_checked":\#(result.checkpointsChecked),"checkpoints_covered_by_anchor":\#(result.checkpointsCoveredByAnchor),"first_seq":\#((result.anchor?.seq ?? 0) + 1)}"#
            )
        } else if let problem {
            print("FAILED at seq \(problem.seq): \(problem.kind.rawValue) — \(problem.detail)")
            print("\(result.checked) events and \(result.checkpointsChecked) checkpoints verified before it.")
        } else {
            print(
                "OK: \(result.checked) events verified, head seq \(result.head.seq), hash \(result.head.hash.hex) "
                    + "(\(Self.took(elapsedSeconds, events: result.checked)))"
            )
            let signed = result.latestCheckpoint.map { "newest at tree size \($0.treeSize)" } ?? "none yet"
            let noun = result.checkpointsChecked == 1 ? "checkpoint" : "checkpoints"
            print("\(result.checkpointsChecked) \(noun) verified (\(signed))" + (key.map { ", key \($0.text)" } ?? ", no key"))
            if let derived {
                print(
                    "Derived data verified: the search index (\(derived.checkedChunks) stored chunks), rollups, rows' copies and action counts of \(derived.checkedEvents) events"
                )
            }
            if let anchor = result.anchor {
                print(
                    "Events 1…\(anchor.seq) were removed by retention; verified from its anchor"
                        + " (\(result.checkpointsCoveredByAnchor) older checkpoints checked by signature only)."
                )
            }
        }
        if problem != nil { throw ExitCode(1) }
    }

    /// The verifier key: `--public-key` (text or file), else the signing key's public half. Nil
    /// only when there is no key and no checkpoint to check.
    func resolveKey(hasCheckpoints: Bool, allowSigningKey: Bool = true) throws -> AuditSignerPublicKey? {
        if let publicKey {
            if let key = try? AuditSignerPublicKey(text: publicKey) { return key }
            guard let data = FileManager.default.contents(atPath: publicKey) else {
                throw ValidationError("--public-key: must be a public key (<name>+<hash>+<base64>) or a file holding one")
            }
            do {
                return try AuditSignerPublicKey(text: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            } catch {
                throw ValidationError("--public-key: \(publicKey) does not hold a public key (<name>+<hash>+<base64>)")
            }
        }
        guard allowSigningKey else { return nil }
        let path = try signingKeyPath(signingKey, data)
        do {
            return try AuditSigner.load(from: path).publicKey
        } catch  where error.code == .notFound && !hasCheckpoints && signingKey == nil {
            return nil
        } catch {
            throw ValidationError("--signing-key: \(path): \(error.message); pass --public-key to verify with the published key")
        }
    }
}

extension VerifyCommand {
    /// How long a verification took: the time, and a rate only for runs long enough for it to
    /// mean something (a rate over a few events measures start-up, not verification).
    static func took(_ seconds: Double, events: Int64) -> String {
        let time = seconds < 1 ? "\(Int((seconds * 1000).rounded())) ms" : String(format: "%.2f s", seconds)
        guard seconds >= 1, events >= 100_000 else { return "in " + time }
        return "in \(time), \(Int(Double(events) / seconds)) events/s"
    }
}
