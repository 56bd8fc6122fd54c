import ArgumentParser
import AuditTrail
import Foundation

/// `audittrail verify --server URL`: what a client without database access can prove about a
/// running log — the newest checkpoint is signed by the log's key, and the log still extends the
/// checkpoint this machine verified last time (a consistency proof), so a truncated, rolled-back
/// or re-signed log is caught. `--full` also asks the server to re-hash every stored event.
extension VerifyCommand {
    /// The server's address, parsed from `http://host[:port]`.
    struct ServerAddress {
        var host: String
        var port: Int

        init(_ text: String) throws {
            guard text.hasPrefix("http://") else {
                throw ValidationError("--server: must be http://host[:port] (TLS: verify through a local plain-HTTP endpoint)")
            }
            var rest = text.dropFirst("http://".count)
            if rest.hasSuffix("/") { rest = rest.dropLast() }
            guard !rest.isEmpty, !rest.contains("/") else { throw ValidationError("--server: must be http://host[:port] without a path") }
            if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                host = String(rest[rest.index(after: rest.startIndex)..<close])
                let after = rest[rest.index(after: close)...]
                guard after.isEmpty || after.hasPrefix(":"), let port = after.isEmpty ? 80 : Int(after.dropFirst()) else {
                    throw ValidationError("--server: the port must be a number")
                }
                self.port = port
            } else if let colon = rest.lastIndex(of: ":") {
                host = String(rest[..<colon])
                guard let port = Int(rest[rest.index(after: colon)...]) else { throw ValidationError("--server: the port must be a number") }
                self.port = port
            } else {
                host = String(rest)
                port = 80
            }
            guard (1...65535).contains(port) else { throw ValidationError("--server: the port must be from 1 to 65535") }
        }
    }

    func runRemote(_ serverText: String) async throws {
        let server = try ServerAddress(serverText)
        guard let apiKey = apiKey ?? ProcessInfo.processInfo.environment["AUDITTRAIL_API_KEY"], !apiKey.isEmpty else {
            throw ValidationError("--api-key: required with --server (or $AUDITTRAIL_API_KEY): any key that may read events")
        }
        let statePath = noState ? nil : state ?? ProcessInfo.processInfo.environment["AUDITTRAIL_VERIFY_STATE"] ?? VerifyState.defaultPath
        var saved: VerifyState
        do {
            saved = try statePath.map(VerifyState.load(from:)) ?? VerifyState()
        } catch let error as AuditTrailError {
            throw ValidationError(cliMessage(error))
        }
        func get(_ path: String, method: String = "GET") throws -> [String: JSONValue] {
            let response: LoopbackHTTP.Response
            do {
                response = try LoopbackHTTP.request(
                    host: server.host,
                    port: server.port,
                    method: method,
                    path: path,
                    headers: [("Authorization", "Bearer \(apiKey)")]
                )
            } catch {
                throw ValidationError("--server: \(error)")
            }
            let body = try? JSONParser.parse(response.body).objectValue
            guard response.status == 200, let body else {
                let detail = body?["detail"]?.stringValue ?? response.text.prefix(200).description
                throw ValidationError("--server: \(method) \(path) answered \(response.status): \(detail)")
            }
            return body
        }

        // The newest checkpoint, checked against the key.
        let latest = try get("/v1/checkpoints/latest")
        guard let note = latest["note"]?.stringValue else { throw ValidationError("--server: the checkpoint has no signed note") }
        let origin = (try? AuditCheckpoint(body: AuditSignedNote(parsing: note).text).origin) ?? ""
        let entryKey = "server " + origin
        let entry = saved.logs[entryKey]
        let key: AuditSignerPublicKey
        if let resolved = try resolveKey(hasCheckpoints: true, allowSigningKey: false) {
            key = resolved
        } else if let pinned = entry?.publicKey, let pinnedKey = try? AuditSignerPublicKey(text: pinned) {
            key = pinnedKey
        } else {
            throw ValidationError("--public-key: required with --server the first time (the key `audittrail keys public` prints on the server)")
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
                    : try get("/v1/proofs/consistency?from=\(pinned.treeSize)&to=\(checkpoint.size)")["proof"]?.arrayValue?
                        .map { $0.stringValue.flatMap { AuditHash(base64: $0) } } ?? []
                do throws(AuditTrailError) {
                    if pinned.treeSize == checkpoint.size {
                        guard pinned.rootHash == checkpoint.rootHash else {
                            throw AuditTrailError(.tampered, "the root at tree size \(checkpoint.size) changed")
                        }
                    } else {
                        guard proof.allSatisfy({ $0 != nil }) else { throw AuditTrailError.invalid("proof", "every hash must be 32 bytes") }
                        try AuditMerkle.verifyConsistency(
                            from: pinned.treeSize,
                            to: checkpoint.size,
                            oldRoot: pinned.rootHash,
                            newRoot: checkpoint.rootHash,
                            proof: proof.compactMap { $0 }
                        )
                    }
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
        if problem == nil, full {
            let result = try get("/v1/verify", method: "POST")
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
            print(
                #"{"ok":\#(problem == nil),"tree_size":\#(size),"first_bad_seq":\#(bad),"problem":\#(text),"kind":\#(kind),"server_checked":\#(checked)}"#
            )
        } else if let problem {
            print("FAILED at seq \(problem.seq): \(problem.kind.rawValue) — \(problem.detail)")
        } else {
            let since = entry.map { " and extends tree size \($0.pinned.treeSize) verified before" } ?? " (first verification of this log here)"
            print("OK: the checkpoint at tree size \(size) of \(origin) is signed by \(key.text)\(since)")
            if let serverChecked { print("The server re-hashed \(serverChecked) events: OK") }
        }
        if problem != nil { throw ExitCode(1) }
    }
}
