import AuditTrail
import AuditTrailPostgres
import AuditTrailTesting
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import AuditTrailServer

/// The server on a PostgreSQL log: several servers on one log, one signing key, one signer at a
/// time, and a clear error when the database cannot be reached. (The routes themselves run on
/// both stores in their own suites: `TestStore.available`.)
@Suite(.enabled(if: AuditTestPostgres.isAvailable, AuditTestPostgres.unavailable))
struct PostgresServerTests {
    /// Two servers on one schema with one key file: events posted to both at once get one gap-free
    /// sequence and one chain, each server reads the other's events, and only the lease holder
    /// signs checkpoints, which verify with the shared key.
    @Test func twoServersServeOneLog() async throws {
        let schema = AuditTestPostgres.newSchema()
        let keyFile = NSTemporaryDirectory() + "audittrail-shared-\(UUID().uuidString).key"
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let key = try AuditSigner.loadOrCreate(at: keyFile, name: "shared").publicKey
        let onSchema: @Sendable (inout AuditServerConfiguration) -> Void = {
            $0.database?.schema = schema
            $0.signingKeyFile = keyFile
        }
        try await withServer(on: .postgres, onSchema) { first, firstAPI in
            try await withServer(on: .postgres, onSchema) { second, secondAPI in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, api) in [firstAPI, secondAPI, firstAPI, secondAPI].enumerated() {
                        group.addTask {
                            for round in 0..<15 {
                                let reply = try await api.ingest(#"{"action":"doc.view","actor":{"id":"w\#(index)-\#(round)"}}"#)
                                #expect(reply.status == .created, "\(reply.text)")
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let head = try await second.store.head().seq
                #expect(head == 60)
                #expect(try await first.store.rows(after: 0, limit: 100).map(\.seq) == Array(1...60))
                #expect(try await first.store.verifyChain().ok)
                // Each reads the other's events, through the search index too.
                let found = try await firstAPI.send(.get, "/v1/events?q=actor:w1-14")
                #expect(found.json["events"]?.arrayValue?.count == 1, "\(found.text)")
                let alsoFound = try await secondAPI.send(.get, "/v1/events?actor=w0-3")
                #expect(alsoFound.json["events"]?.arrayValue?.count == 1, "\(alsoFound.text)")
                // One signer: whichever took the lease first; the other signs nothing meanwhile.
                let signedByFirst = try await first.checkpointer.checkpoint()
                let signedBySecond = try await second.checkpointer.checkpoint()
                #expect((signedByFirst == nil) != (signedBySecond == nil))
                let latest = try await secondAPI.send(.get, "/v1/checkpoints/latest")
                let note = try #require(latest.json["note"]?.stringValue)
                #expect(try AuditCheckpoint(note: note, verifier: key).size >= 60)
                let verify = try await firstAPI.send(.post, "/v1/verify", body: #"{"indexes":true}"#)
                #expect(verify.status == .ok, "\(verify.text)")
                #expect(verify.json["ok"] == .bool(true), "\(verify.text)")
            }
        }
    }

    /// A server whose signing key is not the one the log is signed with does not start.
    @Test func aServerWithAnotherSigningKeyIsRefused() async throws {
        let schema = AuditTestPostgres.newSchema()
        let onSchema: @Sendable (inout AuditServerConfiguration) -> Void = { $0.database?.schema = schema }
        try await withServer(on: .postgres, onSchema) { (_, api) async throws -> Void in
            let reply = try await api.ingest(#"{"action":"doc.view"}"#)
            #expect(reply.status == .created)
            do {
                try await withServer(on: .postgres, onSchema) { _, _ in }
                Issue.record("a second server with another signing key started")
            } catch let error as AuditTrailError {
                #expect(error.fieldErrors.first?.field == "signing_key", "\(error)")
            }
        }
    }

    /// A database that cannot be reached stops the start soon, with an error naming where it looked.
    @Test func anUnreachableDatabaseIsNamedInTheError() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: AuditTrailError.self) {
            let unreachable: (inout AuditServerConfiguration) -> Void = { $0.database?.port = 1 }
            try await withServer(on: .postgres, unreachable) { _, _ in }
        }
        #expect(error?.message.contains("127.0.0.1:1/") == true, "\(String(describing: error))")
        // A refused connection fails at once alone; under the whole suite's load it took up to 45 s.
        #expect(clock.now - start < .seconds(120))
    }

    /// `/readyz` follows the database: ready while it answers; a 503 within seconds, never a hung
    /// request, when it stops answering (every PostgreSQL process frozen with SIGSTOP, as a hung
    /// host or a network partition looks) and when it is shut down; ready again once it is back.
    /// On a server of its own, started and stopped by `.ci/postgres.sh`.
    @Test(.enabled(if: AuditTestPostgres.isInstalled, "PostgreSQL's programs are not installed"))
    func readinessFollowsTheDatabase() async throws {
        try await withOwnPostgres("readyz") { directory, output in
            try await readinessFollows(directory: directory, output: output)
        }
    }

    private func readinessFollows(directory: String, output: String) async throws {
        let url = try #require(AuditTestPostgres.urls(in: output)?.owner)
        let onOwnServer: (inout AuditServerConfiguration) -> Void = { $0.database = try? .init(url: url) }
        try await withServer(on: .postgres, onOwnServer) { _, api in
            #expect(try await readiness(api, becomes: .ok, within: .seconds(5)))
            // Frozen: connections stay open, nothing answers.
            signalPostgres(in: directory, SIGSTOP)
            #expect(try await readiness(api, becomes: .serviceUnavailable, within: .seconds(15)))
            signalPostgres(in: directory, SIGCONT)
            #expect(try await readiness(api, becomes: .ok, within: .seconds(30)))
            // Shut down: connections refused.
            _ = try #require(await AuditTestPostgres.script(["stop", directory]), "could not stop PostgreSQL")
            #expect(try await readiness(api, becomes: .serviceUnavailable, within: .seconds(15)))
            _ = try #require(await AuditTestPostgres.script(["resume", directory]), "could not start PostgreSQL again")
            #expect(try await readiness(api, becomes: .ok, within: .seconds(30)))
            // And it writes again.
            #expect(try await api.ingest(#"{"action":"doc.view"}"#).status == .created)
        }
    }

    /// PostgreSQL shut down for 10 s under load and started again: while it is down, every
    /// request gets a 503 with `Retry-After` (never a 500, never a hung request); the server comes
    /// back by itself; every acknowledged event is stored once and the log verifies. On a server
    /// of its own, stopped and started by `.ci/postgres.sh`.
    @Test(.enabled(if: AuditTestPostgres.isInstalled, "PostgreSQL's programs are not installed"), .timeLimit(.minutes(10)))
    func aDatabaseDownForTenSecondsLosesNoAcknowledgedEvent() async throws {
        try await withOwnPostgres("failover") { directory, output in
            try await survivesADatabaseOutage(directory: directory, output: output)
        }
    }

    private func survivesADatabaseOutage(directory: String, output: String) async throws {
        let url = try #require(AuditTestPostgres.urls(in: output)?.owner)
        let onOwnServer: (inout AuditServerConfiguration) -> Void = { $0.database = try? .init(url: url) }
        try await withServer(on: .postgres, onOwnServer) { server, api in
            let tally = FailoverTally()
            let clock = ContinuousClock()
            try await withThrowingTaskGroup(of: Void.self) { producers in
                for producer in 0..<8 {
                    producers.addTask {
                        while !tally.stopped {
                            let id = UUID().uuidString.lowercased()
                            let sent = clock.now
                            let reply = try await api.ingest(#"{"id":"\#(id)","action":"doc.edit","actor":{"id":"u-\#(producer)"}}"#)
                            tally.record(id: id, reply: reply, took: clock.now - sent)
                            if reply.status != .created { try await Task.sleep(for: .milliseconds(50)) }
                        }
                    }
                }
                // Load first: 50 acknowledged (within 60 s, the whole suite may be running).
                let loaded = clock.now + .seconds(60)
                while tally.acknowledgedCount < 50, clock.now < loaded { try await Task.sleep(for: .milliseconds(100)) }
                let beforeStop = tally.acknowledgedCount
                _ = try #require(await AuditTestPostgres.script(["stop", directory]), "could not stop PostgreSQL")
                try await Task.sleep(for: .seconds(10))
                let whileDown = tally.snapshot
                _ = try #require(await AuditTestPostgres.script(["resume", directory]), "could not start PostgreSQL again")
                let resumed = tally.acknowledgedCount
                // Back by itself: acknowledgements again within 60 s, then 2 s more of load.
                let deadline = clock.now + .seconds(60)
                while tally.acknowledgedCount < resumed + 100, clock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
                try await Task.sleep(for: .seconds(2))
                tally.stop()
                try await producers.waitForAll()
                #expect(beforeStop >= 50, "only \(beforeStop) events were acknowledged before the stop")
                #expect(
                    whileDown.unavailable > 0,
                    "no 503 while the database was down (acknowledged meanwhile \(whileDown.acknowledged.count - beforeStop), slowest \(whileDown.slowest))"
                )
                #expect(tally.acknowledgedCount >= resumed + 100, "the server did not recover within 60 s")
            }
            let final = tally.snapshot
            #expect(final.other.count == 0, "answers other than 200/201/503, the first: \(final.other.prefix(3))")
            #expect(final.withoutRetryAfter == 0, "503s without Retry-After: \(final.withoutRetryAfter)")
            #expect(final.slowest < .seconds(15), "a request took \(final.slowest)")
            // Every acknowledged event is stored, once (ids are unique in the log), under its seq.
            for (id, seq) in final.acknowledged {
                let stored = try await server.store.event(id: id)
                #expect(stored?.seq == seq, "\(id): acknowledged at seq \(seq), stored \(stored.map { "at \($0.seq)" } ?? "nowhere")")
            }
            let verify = try await api.send(.post, "/v1/verify", body: "{}")
            #expect(verify.json["ok"] == .bool(true), "\(verify.text)")
        }
    }
}

/// What the failover test's producers saw.
private final class FailoverTally: Sendable {
    struct Seen {
        var acknowledged: [String: Int64] = [:]
        var unavailable = 0
        var withoutRetryAfter = 0
        var other: [String] = []
        var slowest: Duration = .zero
    }
    private let seen = Mutex(Seen())
    private let done = Mutex(false)

    var stopped: Bool { done.withLock { $0 } }
    func stop() { done.withLock { $0 = true } }
    var snapshot: Seen { seen.withLock { $0 } }
    var acknowledgedCount: Int { seen.withLock { $0.acknowledged.count } }

    func record(id: String, reply: Reply, took: Duration) {
        seen.withLock { seen in
            seen.slowest = max(seen.slowest, took)
            switch reply.status {
            case .created, .ok:
                seen.acknowledged[id] = reply.json["seq"]?.int64Value ?? -1
            case .serviceUnavailable:
                seen.unavailable += 1
                if reply.headers[.retryAfter] == nil { seen.withoutRetryAfter += 1 }
            default:
                seen.other.append("\(reply.status.code) \(reply.text.prefix(200))")
            }
        }
    }
}

/// Runs `body` with a PostgreSQL server of its own in a new directory (`.ci/postgres.sh start`,
/// the script's output passed on), stopped and removed afterwards, whatever `body` did.
private func withOwnPostgres(_ name: String, _ body: (String, String) async throws -> Void) async throws {
    let directory = NSTemporaryDirectory() + "audittrail-\(name)-\(UUID().uuidString)"
    let output = try #require(await startOwnPostgres(in: directory), "could not start PostgreSQL in \(directory)")
    let result: Result<Void, any Error>
    do { result = .success(try await body(directory, output)) } catch { result = .failure(error) }
    signalPostgres(in: directory, SIGCONT)
    _ = await AuditTestPostgres.script(["stop", directory])
    try? FileManager.default.removeItem(atPath: directory)
    try result.get()
}

/// Starts a PostgreSQL server of its own in `directory` (`.ci/postgres.sh start`) on a random
/// port, trying another port when one is taken; returns the script's output.
private func startOwnPostgres(in directory: String) async -> String? {
    for _ in 0..<5 {
        if let output = await AuditTestPostgres.script(["start", directory, "\(Int.random(in: 40_000...50_000))"]) { return output }
        _ = await AuditTestPostgres.script(["stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }
    return nil
}

/// Asks `/readyz` until it answers `status` (true) or `limit` passes (false); every answer must
/// come within 4 seconds.
private func readiness(_ api: TestAPI, becomes status: HTTPResponse.Status, within limit: Duration) async throws -> Bool {
    let clock = ContinuousClock()
    let start = clock.now
    while clock.now - start < limit {
        let asked = clock.now
        let answer = try await api.send(.get, "/readyz").status
        #expect(clock.now - asked < .seconds(4), "a /readyz request took \(clock.now - asked)")
        if answer == status { return true }
        try await Task.sleep(for: .milliseconds(200))
    }
    return false
}

/// Sends `signal` to the PostgreSQL server of `directory` (`.ci/postgres.sh`'s layout) and to
/// every process it started.
private func signalPostgres(in directory: String, _ signal: Int32) {
    guard let pidFile = try? String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8),
        let first = pidFile.split(separator: "\n").first, let postmaster = Int32(first)
    else { return }
    // The postmaster first: stopped, it starts no backend after the scan below (one started
    // between a scan and its stop would keep answering).
    kill(postmaster, signal)
    var targets: [Int32] = []
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { continue }
        // pid (comm) state ppid …
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if fields.count > 1, Int32(fields[1]) == postmaster { targets.append(pid) }
    }
    for pid in targets { kill(pid, signal) }
}
