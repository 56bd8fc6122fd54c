import ArgumentParser
import AuditTrail
import AuditTrailClient
import Foundation

/// `audittrail verify --server URL`: what a client without database access can prove about a
/// running log — the newest checkpoint is signed by the log's key, and the log still extends the
/// checkpoint this machine verified last time (a consistency proof), so a truncated, rolled-back
/// or re-signed log is caught. `--full` also asks the server to re-hash every stored event.
extension VerifyCommand {
    func runRemote() async throws {
        let apiKey = try remote.resolvedKey(role: "any key that may read events")
        let statePath = noState ? nil : state ?? ProcessInfo.processInfo.environment["AUDITTRAIL_VERIFY_STATE"] ?? VerifyState.defaultPath
        var saved: VerifyState
        do {
            saved = try statePath.map(VerifyState.load(from:)) ?? VerifyState()
        } catch let error as AuditTrailError {
            throw ValidationError(cliMessage(error))
        }
        func get(_ path: String) async throws -> [String: JSONValue] { try object("GET", path, await remote.request("GET", path, key: apiKey)) }
        func post(_ path: String, _ body: String?) async throws -> [String: JSONValue] {
            try object("POST", path, await remote.request("POST", path, key: apiKey, json: body))
        }
        func object(_ method: String, _ path: String, _ response: AuditServerResponse) throws -> [String: JSONValue] {
            guard let body = try? JSONParser.parse(response.body).objectValue else {
                throw ValidationError("--server: \(method) \(path) answered \(response.status) without a JSON object")
            }
            return body
        }

        // The newest checkpoint, checked against the key.
        let latest = try await get("/v1/checkpoints/latest")
        guard let note = latest["note"]?.stringValue else { throw ValidationError("--server: the checkpoint has no signed note") }
        let origin = (try? AuditCheckpoint(body: AuditSignedNote(parsing: note).text).origin) ?? ""
        let entryKey = "server " + origin
        let entry = saved.logs[entryKey]
        // The key: --public-key, else the one pinned here, else (with a state file to pin it in)
        // the server's own, trusted on first use and said so.
        let key: AuditSignerPublicKey
        var trustedOnFirstUse = false
        if let resolved = try resolveKey(hasCheckpoints: true, allowSigningKey: false) {
            key = resolved
        } else if let pinned = entry?.publicKey, let pinnedKey = try? AuditSignerPublicKey(text: pinned) {
            key = pinnedKey
        } else if statePath == nil {
            throw ValidationError("--public-key: required with --no-state (a key trusted on first use would have nowhere to be pinned)")
        } else if let offered = latest["public_key"]?.stringValue, let offeredKey = try? AuditSignerPublicKey(text: offered) {
            key = offeredKey
            trustedOnFirstUse = true
        } else {
            throw ValidationError(
                "--public-key: required: the server offers no key for its newest checkpoint (give the key `audittrail keys public` prints on the server)"
            )
        }
        var problem: AuditChainVerifier.Problem?
        var checkpoint: AuditCheckpoint?
        do {
            checkpoint = try AuditCheckpoint(note: note, verifier: key)
        } catch {
            problem = .init(seq: 1, kind: .badSignature, detail: "the newest checkpoint is not signed by \(key.text): \(error.message)")
        }
        if problem == nil, let pinnedKey = entry?.publicKey, pinnedKey != key.text {
            problem = .init(
                seq: 1,
                kind: .badSignature,
                detail: "\(pinnedKey) signed the checkpoint verified before, but the log is now checked with \(key.text) (a replaced key)"
            )
        }
        // The log still extends what was verified before.
        if problem == nil, let checkpoint, let pinned = entry?.pinned {
            if pinned.treeSize > checkpoint.size {
                problem = .init(
                    seq: checkpoint.size + 1,
                    kind: .truncated,
                    detail: "tree size \(pinned.treeSize) was verified before, but the newest checkpoint is at \(checkpoint.size)"
                )
            } else if pinned.treeSize > 0 {
                let proof =
                    pinned.treeSize == checkpoint.size
                    ? []
                    : try await get("/v1/proofs/consistency?from=\(pinned.treeSize)&to=\(checkpoint.size)")["proof"]?.arrayValue ?? []
                do throws(AuditTrailError) {
                    try pinned.verifyExtension(by: checkpoint, proof: proof)
                } catch {
                    problem = .init(
                        seq: 1,
                        kind: .truncated,
                        detail: "the log is not an extension of tree size \(pinned.treeSize) verified before: \(error.message)"
                    )
                }
            }
        }
        // The server's own re-hash of every stored event.
        var serverChecked: Int64?
        var indexesChecked: Int64?
        if problem == nil, full || indexes {
            let result = try await post("/v1/verify", indexes ? #"{"indexes":true}"# : nil)
            indexesChecked = result["indexes_checked_events"]?.int64Value
            serverChecked = result["checked"]?.int64Value
            if result["ok"] != .bool(true) {
                let seq = result["first_bad_seq"]?.int64Value ?? 1
                let kind = result["kind"]?.stringValue.flatMap(AuditChainVerifier.Problem.Kind.init(rawValue:)) ?? .edited
                problem = .init(seq: seq, kind: kind, detail: "the server's re-hash failed: \(result["problem"]?.stringValue ?? "no detail")")
            }
        }
        if problem == nil, let statePath, let checkpoint {
            saved.logs[entryKey] = VerifyState.Entry(
                origin: origin,
                pinned: AuditPinnedCheckpoint(treeSize: checkpoint.size, rootHash: checkpoint.rootHash),
                publicKey: key.text,
                verifiedAt: .now()
            )
            do {
                try saved.save(to: statePath)
            } catch let error as AuditTrailError {
                throw ValidationError(cliMessage(error))
            }
        }
        let size = checkpoint?.size ?? 0
        if json {
            let bad = problem.map { String($0.seq) } ?? "null"
            let text = problem.map { "\"\(jsonEscaped("\($0.kind.rawValue): \($0.detail)"))\"" } ?? "null"
            let kind = problem.map { "\"\($0.kind.rawValue)\"" } ?? "null"
            let checked = serverChecked.map(String.init) ?? "null"
            let indexChecked = indexesChecked.map(String.init) ?? "null"
            print(
                #"{"ok":\#(problem == nil),"tree_size":\#(size),"first_bad_seq":\#(bad),"problem":\#(text),"kind":\#(kind),"server_checked":\#(checked),"indexes_checked_events":\#(indexChecked),"public_key":"\#(key.text)","trusted_on_first_use":\#(trustedOnFirstUse)}"#
            )
        } else if let problem {
            print("FAILED at seq \(problem.seq): \(problem.kind.rawValue) — \(problem.detail)")
        } else {
            let since = entry.map { " and extends tree size \($0.pinned.treeSize) verified before" } ?? " (first verification of this log here)"
            print("OK: the checkpoint at tree size \(size) of \(origin) is signed by \(key.text)\(since)")
            if let serverChecked { print("The server re-hashed \(serverChecked) events: OK") }
            if let indexesChecked { print("The server checked the derived data (search index, rollups, copies) of \(indexesChecked) events: OK") }
            if trustedOnFirstUse, let statePath {
                print(
                    """
                    The key was not given (--public-key), so the server's own was trusted on first use and is now pinned in \
                    \(statePath): from now on a checkpoint signed by any other key fails. Compare it with what \
                    `audittrail keys public` prints on the server's machine.
                    """
                )
            }
        }
        if problem != nil { throw ExitCode(1) }
    }
}
