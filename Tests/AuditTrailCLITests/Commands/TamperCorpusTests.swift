import AuditTrail
import AuditTrailClient
import AuditTrailSQLite
import Foundation
import SQLiteNIO
import Testing

@testable import audittrail

/// The tamper corpus: a real data directory written by the real server binary, verified once
/// (which keeps its newest checkpoint in a state file), changed the way an attacker with access
/// to the file would (dropping the triggers first), and verified again: `verify` must fail and
/// name the first bad seq and what is wrong.
@Suite("audittrail verify against the tamper corpus", .serialized)
struct TamperCorpusTests {
    /// Writes 20 events through a real server in four batches of five, waiting for each
    /// checkpoint (signed every 5 events), then stops it gracefully.
    func populate(_ directory: String) async throws {
        let key = "k-" + UUID().uuidString
        let server = try startServer(directory, key: key)
        try await append(batches: 4, after: 0, to: server, key: key)
        await server.stop(signal: SIGTERM)
        #expect(await server.process.exit() == 0, "\(server.output)")
    }

    /// A populated corpus directory and the path of its verify-state file.
    struct Corpus {
        var directory: String
        var state: String { directory + ".verify-state.json" }
        func remove() {
            for path in [directory, state] { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    func populatedCorpus() async throws -> Corpus {
        let corpus = Corpus(directory: temporaryDataDirectory())
        try await populate(corpus.directory)
        return corpus
    }

    func startServer(_ directory: String, key: String) throws -> ServerProcess {
        try ServerProcess(
            dataDirectory: directory,
            environment: ["AUDITTRAIL_ADMIN_KEY": key],
            arguments: ["--checkpoint-events", "5", "--checkpoint-seconds", "3600"]
        )
    }

    /// Appends `batches` batches of five events to a log of `after` events, waiting for each checkpoint.
    func append(batches: Int, after: Int, to server: ServerProcess, key: String) async throws {
        try await server.waitUntilHealthy()
        for batch in 0..<batches {
            let first = after + batch * 5
            let events = (0..<5).map { #"{"action":"data.update","actor":{"id":"u-\#($0)"},"metadata":{"i":\#(first + $0)}}"# }
            #expect(try await server.request("POST", "/v1/events/batch", key: key, json: "[" + events.joined(separator: ",") + "]").status == 201)
            var size: Int64 = 0
            for _ in 0..<200 {
                let reply = try await server.request("GET", "/v1/checkpoints/latest", key: key)
                if reply.status == 200, case .object(let object)? = try? JSONParser.parse(reply.body) {
                    size = object["tree_size"]?.int64Value ?? 0
                }
                if size == Int64(first + 5) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(size == Int64(first + 5), "checkpoint after batch \(batch)")
        }
    }

    func withConnection(_ directory: String, _ body: (SQLiteConnection) async throws -> Void) async throws {
        let path = SQLiteAuditStore.Configuration(directory: directory).databasePath
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    func run(_ directory: String, _ statements: [String]) async throws {
        try await withConnection(directory) { connection in
            for statement in statements { _ = try await connection.query(statement) }
        }
    }

    /// Recomputes the chain hash of every row from `seq` on, as a forger must.
    func rechain(_ directory: String, from seq: Int) async throws {
        try await withConnection(directory) { connection in
            let previous = try await connection.query("SELECT hash FROM events WHERE seq = ?", [.integer(seq - 1)])
            let stored = try #require(previous.first?.column("hash")?.blob)
            var hash = try #require(AuditHash(bytes: stored.readableBytesView))
            for row in try await connection.query("SELECT seq, canonical FROM events WHERE seq >= ? ORDER BY seq", [.integer(seq)]) {
                let canonical = Array(try #require(row.column("canonical")?.blob).readableBytesView)
                hash = AuditChain.next(previous: hash, leaf: AuditMerkle.leafHash(canonical))
                _ = try await connection.query(
                    "UPDATE events SET hash = ? WHERE seq = ?",
                    [.blob(.init(bytes: hash.bytes)), .integer(try #require(row.column("seq")?.integer))]
                )
            }
        }
    }

    enum Tampering: String, CaseIterable, Sendable {
        case editField, deleteRow, insertForgedRowWithRecomputedChain, reorderTwoRows
        case truncateNewestRows, truncateNewestRowsAndTheirCheckpoints, replaceSigningKey, replaceSigningKeyAndResign
    }

    func tamper(_ tampering: Tampering, _ directory: String) async throws -> (seq: Int, kind: String) {
        switch tampering {
        case .editField:
            try await run(
                directory,
                [
                    "DROP TRIGGER events_refuse_update",
                    #"UPDATE events SET canonical = CAST(replace(CAST(canonical AS TEXT), '"i":7}', '"i":70}') AS BLOB) WHERE seq = 8"#,
                ]
            )
            return (8, "edited")
        case .deleteRow:
            try await run(directory, ["DROP TRIGGER events_refuse_delete", "DELETE FROM events WHERE seq = 5"])
            return (5, "missing")
        case .insertForgedRowWithRecomputedChain:
            // Rows 8… move up by one (with their bytes saying so), a forged copy of row 7 takes seq 8.
            try await run(
                directory,
                [
                    "DROP TRIGGER events_refuse_update",
                    "UPDATE events SET seq = seq + 1000 WHERE seq >= 8",
                    "UPDATE events SET seq = seq - 999 WHERE seq >= 1008",
                    #"UPDATE events SET canonical = CAST(replace(CAST(canonical AS TEXT), ',"seq":' || (seq - 1) || ',', ',"seq":' || seq || ',') AS BLOB) WHERE seq >= 9"#,
                    """
                    INSERT INTO events (seq, id, time, received_at, action, category, severity, outcome, canonical, hash)
                    SELECT 8, 'forged-0000', time, received_at, action, category, severity, outcome,
                           CAST(replace(replace(CAST(canonical AS TEXT), id, 'forged-0000'), ',"seq":7,', ',"seq":8,') AS BLOB), hash
                    FROM events WHERE seq = 7
                    """,
                ]
            )
            try await rechain(directory, from: 8)
            return (8, "inserted")
        case .reorderTwoRows:
            try await run(
                directory,
                [
                    "DROP TRIGGER events_refuse_update",
                    "UPDATE events SET seq = -5 WHERE seq = 5", "UPDATE events SET seq = 5 WHERE seq = 6", "UPDATE events SET seq = 6 WHERE seq = -5",
                ]
            )
            return (5, "reordered")
        case .truncateNewestRows:
            try await run(directory, ["DROP TRIGGER events_refuse_delete", "DELETE FROM events WHERE seq > 15"])
            return (16, "truncated")
        case .truncateNewestRowsAndTheirCheckpoints:
            // Everything of seqs 16… is gone: the log looks whole; only the state file remembers 20.
            try await run(
                directory,
                [
                    "DROP TRIGGER events_refuse_delete", "DELETE FROM events WHERE seq > 15",
                    "DROP TRIGGER merkle_nodes_refuse_delete", "DELETE FROM merkle_nodes WHERE pos >= \(AuditMerkleNodeID.firstPosition(ofLeaf: 15))",
                    "DROP TRIGGER checkpoints_refuse_delete", "DELETE FROM checkpoints WHERE tree_size > 15",
                ]
            )
            return (16, "truncated")
        case .replaceSigningKey:
            try FileManager.default.removeItem(atPath: directory + "/signing.key")
            try AuditSigner.generate(name: "attacker").save(to: directory + "/signing.key")
            return (1, "bad_signature")
        case .replaceSigningKeyAndResign:
            // The attacker's own key, and every checkpoint re-signed with it: only the key verified before catches it.
            let signer = try AuditSigner.generate(name: "attacker")
            try FileManager.default.removeItem(atPath: directory + "/signing.key")
            try signer.save(to: directory + "/signing.key")
            try await withConnection(directory) { connection in
                let rows = try await connection.query("SELECT tree_size, note FROM checkpoints ORDER BY tree_size")
                _ = try await connection.query("DROP TRIGGER checkpoints_refuse_delete")
                _ = try await connection.query("DELETE FROM checkpoints")
                for row in rows {
                    let note = try #require(row.column("note")?.string)
                    let body = try AuditCheckpoint(body: AuditSignedNote(parsing: note).text)
                    _ = try await connection.query(
                        "INSERT INTO checkpoints (tree_size, root_hash, time, note) VALUES (?, ?, ?, ?)",
                        [
                            .integer(Int(body.size)), .blob(.init(bytes: body.rootHash.bytes)), .integer(Int(body.time?.milliseconds ?? 0)),
                            .text(try body.signedNote(signer: signer)),
                        ]
                    )
                }
            }
            return (1, "bad_signature")
        }
    }

    @Test(arguments: Tampering.allCases)
    func verifyNamesTheFirstBadSeqAndWhatIsWrong(_ tampering: Tampering) async throws {
        let corpus = try await populatedCorpus()
        defer { corpus.remove() }
        let (directory, state) = (corpus.directory, corpus.state)
        let clean = try await runCLI(["verify", "--data-dir", directory, "--state", state, "--json"])
        #expect(clean.status == 0, "\(clean.output)")
        #expect(clean.output.contains(#""ok":true"#) && clean.output.contains(#""checkpoints_checked":4"#), "\(clean.output)")
        #expect(FileManager.default.fileExists(atPath: state))

        let (seq, kind) = try await tamper(tampering, directory)
        let result = try await runCLI(["verify", "--data-dir", directory, "--state", state, "--json"])
        #expect(result.status == 1, "\(tampering): \(result.output)")
        #expect(result.output.contains(#""first_bad_seq":\#(seq)"#), "\(tampering): \(result.output)")
        #expect(result.output.contains(#""kind":"\#(kind)""#), "\(tampering): \(result.output)")
        let text = try await runCLI(["verify", "--data-dir", directory, "--state", state])
        #expect(text.status == 1)
        #expect(text.output.contains("FAILED at seq \(seq): \(kind)"), "\(tampering): \(text.output)")
    }

    /// A copy of a field beside the canonical bytes (what the id look-up and action counts read)
    /// edited: the chain still verifies, `verify --indexes` names the seq, `reindex` repairs it.
    @Test func anEditedCopyOfAFieldIsCaughtByVerifyIndexesAndRepairedByReindex() async throws {
        let corpus = try await populatedCorpus()
        defer { corpus.remove() }
        let (directory, state) = (corpus.directory, corpus.state)
        try await run(directory, ["DROP TRIGGER events_refuse_update", "UPDATE events SET action = 'data.delete' WHERE seq = 7"])
        let chain = try await runCLI(["verify", "--data-dir", directory, "--state", state, "--json"])
        #expect(chain.status == 0, "the canonical bytes are intact: \(chain.output)")
        let caught = try await runCLI(["verify", "--data-dir", directory, "--state", state, "--indexes", "--json"])
        #expect(caught.status == 1 && caught.output.contains(#""first_bad_seq":7"#), "\(caught.output)")
        #expect(caught.output.contains(#""kind":"index_mismatch""#) && caught.output.contains("action column"), "\(caught.output)")
        let reindex = try await runCLI(["reindex", "--data-dir", directory])
        #expect(reindex.status == 0 && reindex.output.contains("repaired 1 rows' copies"), "\(reindex.output)")
        let after = try await runCLI(["verify", "--data-dir", directory, "--state", state, "--indexes"])
        #expect(after.status == 0 && after.output.contains("Derived data verified"), "\(after.output)")
        let bad = try await runCLI(["verify", "--export", "x", "--public-key", "y", "--indexes"])
        #expect(bad.status != 0 && bad.output.contains("--indexes"), "\(bad.output)")
    }

    @Test func verifyAgainstARunningServerCatchesATruncatedLog() async throws {
        let corpus = try await populatedCorpus()
        defer { corpus.remove() }
        let (directory, state) = (corpus.directory, corpus.state)
        let publicKey = try #require(
            try await runCLI(["keys", "public", "--data-dir", directory]).output.split(separator: "\n").first.map(String.init)
        )
        let key = "k-" + UUID().uuidString
        var server = try startServer(directory, key: key)
        try await server.waitUntilHealthy()
        let address = "http://127.0.0.1:\(server.port)"
        func verify(_ extra: [String] = []) async throws -> (status: Int32, output: String) {
            try await runCLI(["verify", "--server", address, "--api-key", key, "--state", state, "--json"] + extra)
        }
        // No key and no state file: a key trusted on first use would have nowhere to be pinned.
        let noKey = try await runCLI(["verify", "--server", address, "--api-key", key, "--no-state", "--json"])
        #expect(noKey.status != 0 && noKey.output.contains("--public-key"), "\(noKey.output)")
        let first = try await verify(["--public-key", publicKey])
        #expect(first.status == 0 && first.output.contains(#""tree_size":20"#), "\(first.output)")

        // More events: the next run proves the new tree extends the one kept (the key is pinned now).
        try await append(batches: 1, after: 20, to: server, key: key)
        let second = try await verify(["--full"])
        #expect(second.status == 0 && second.output.contains(#""tree_size":25"#), "\(second.output)")
        #expect(second.output.contains(#""server_checked":"#) && !second.output.contains(#""server_checked":null"#), "\(second.output)")
        let indexes = try await verify(["--indexes"])
        // 25 events and the server's own (audit.verify of the run before).
        #expect(indexes.status == 0 && indexes.output.contains(#""indexes_checked_events":2"#), "\(indexes.output)")
        #expect(!indexes.output.contains(#""indexes_checked_events":null"#), "\(indexes.output)")
        let wrongKey = try await verify(["--public-key", try AuditSigner.generate(name: "other").publicKey.text])
        #expect(wrongKey.status == 1 && wrongKey.output.contains(#""kind":"bad_signature""#), "\(wrongKey.output)")
        await server.stop(signal: SIGTERM)

        // Everything after seq 15 removed behind the server's back, checkpoints included: the log
        // the restarted server serves looks whole, but is not an extension of tree size 25.
        try await run(
            directory,
            [
                "DROP TRIGGER events_refuse_delete", "DELETE FROM events WHERE seq > 15",
                "DROP TRIGGER merkle_nodes_refuse_delete", "DELETE FROM merkle_nodes WHERE pos >= \(AuditMerkleNodeID.firstPosition(ofLeaf: 15))",
                "DROP TRIGGER checkpoints_refuse_delete", "DELETE FROM checkpoints WHERE tree_size > 15",
            ]
        )
        server = try startServer(directory, key: key)
        try await server.waitUntilHealthy()
        let truncated = try await runCLI(["verify", "--server", "http://127.0.0.1:\(server.port)", "--api-key", key, "--state", state, "--json"])
        #expect(truncated.status == 1, "\(truncated.output)")
        #expect(truncated.output.contains(#""first_bad_seq":16"#) && truncated.output.contains(#""kind":"truncated""#), "\(truncated.output)")
        await server.stop(signal: SIGTERM)

        let badAddress = try await runCLI(["verify", "--server", "127.0.0.1:1", "--api-key", key])
        #expect(badAddress.status != 0 && badAddress.output.contains("--server"), "\(badAddress.output)")
    }

    @Test func verifyServerTrustsTheServersKeyOnFirstUseThenHoldsItToThatKey() async throws {
        let directory = temporaryDataDirectory()
        let state = directory + ".verify-state.json"
        let otherKey = directory + ".other.key"
        defer {
            for path in [directory, state, otherKey] { try? FileManager.default.removeItem(atPath: path) }
        }
        try await populate(directory)
        let publicKey = try #require(
            try await runCLI(["keys", "public", "--data-dir", directory]).output.split(separator: "\n").first.map(String.init)
        )
        let key = "k-" + UUID().uuidString
        var server = try startServer(directory, key: key)
        try await server.waitUntilHealthy()
        let keyFile = directory + "/api.key"
        try (key + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        func verify(_ port: Int, _ extra: [String] = []) async throws -> (status: Int32, output: String) {
            try await runCLI(["verify", "--server", "http://127.0.0.1:\(port)", "--api-key-file", keyFile, "--state", state] + extra)
        }

        // First use: the server's key is taken, said so, and pinned.
        let first = try await verify(server.port, ["--json"])
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains(#""trusted_on_first_use":true"#) && first.output.contains(#""public_key":"\#(publicKey)""#), "\(first.output)")
        #expect(try String(contentsOfFile: state, encoding: .utf8).contains(publicKey))
        let second = try await verify(server.port)
        #expect(second.status == 0, "\(second.output)")
        #expect(second.output.contains("extends tree size 20") && !second.output.contains("trusted on first use"), "\(second.output)")
        await server.stop(signal: SIGTERM)

        // The same log, now signed with another key: the pinned key catches it.
        _ = try AuditSigner.loadOrCreate(at: otherKey, name: "audittrail/replaced")
        server = try ServerProcess(
            dataDirectory: directory,
            environment: ["AUDITTRAIL_ADMIN_KEY": key],
            arguments: ["--checkpoint-events", "5", "--checkpoint-seconds", "3600", "--signing-key", otherKey]
        )
        try await append(batches: 1, after: 20, to: server, key: key)
        let replaced = try await verify(server.port, ["--json"])
        #expect(replaced.status == 1, "\(replaced.output)")
        #expect(
            replaced.output.contains(#""kind":"bad_signature""#) && replaced.output.contains(#""trusted_on_first_use":false"#),
            "\(replaced.output)"
        )
        await server.stop(signal: SIGTERM)
    }

    @Test func keysPublicPrintsTheKeyThatSignsTheCheckpoints() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = try await runCLI(["keys", "public", "--data-dir", directory])
        #expect(missing.status != 0)
        #expect(missing.output.contains("--signing-key"), "\(missing.output)")

        try await populate(directory)
        let printed = try await runCLI(["keys", "public", "--data-dir", directory])
        #expect(printed.status == 0, "\(printed.output)")
        let text = try #require(printed.output.split(separator: "\n").first.map(String.init))
        let key = try AuditSignerPublicKey(text: text)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/signing.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // Verifying with the published key alone (no access to the private key) works too.
        let verified = try await runCLI(["verify", "--data-dir", directory, "--public-key", text, "--no-state", "--json"])
        #expect(verified.status == 0, "\(verified.output)")
        let other = try AuditSigner.generate(name: key.name).publicKey.text
        let wrong = try await runCLI(["verify", "--data-dir", directory, "--public-key", other, "--no-state", "--json"])
        #expect(wrong.status == 1)
        #expect(wrong.output.contains(#""kind":"bad_signature""#), "\(wrong.output)")
        let bad = try await runCLI(["verify", "--data-dir", directory, "--public-key", "not-a-key", "--no-state"])
        #expect(bad.status != 0)
        #expect(bad.output.contains("--public-key"), "\(bad.output)")
    }
}
