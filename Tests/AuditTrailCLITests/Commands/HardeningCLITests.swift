import AuditTrail
import AuditTrailClient
import Foundation
import Testing

@testable import audittrail

/// Issue 12, findings 6 and 11, through the real binary: what the server and `export -o` leave
/// on disk, and keys that never need to be on a command line.
@Suite("issue 12 hardening: files and secrets", .serialized)
struct HardeningCLITests {
    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    /// A real server on a fresh directory, its admin key given with `--admin-key-file`, holding
    /// three events; `body` gets it and the key file.
    func withServer(_ body: (ServerProcess, String, String) async throws -> Void) async throws {
        let directory = temporaryDataDirectory()
        let key = "k-" + UUID().uuidString
        let keyFile = directory + ".admin.key"
        defer {
            for path in [directory, keyFile] { try? FileManager.default.removeItem(atPath: path) }
        }
        try (key + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        let server = try ServerProcess(dataDirectory: directory, arguments: ["--admin-key-file", keyFile])
        defer { server.kill(signal: SIGTERM) }
        try await server.waitUntilHealthy()
        let events = (0..<3).map { #"{"action":"doc.view","actor":{"id":"u-\#($0)"}}"# }
        #expect(try await server.request("POST", "/v1/events/batch", key: key, json: "[" + events.joined(separator: ",") + "]").status == 201)
        try await body(server, key, keyFile)
    }

    @Test("Finding 6: the server's data directory is 0700 and every file in it 0600")
    func theDataDirectoryIsReadableByTheServerOnly() async throws {
        try await withServer { server, _, _ in
            #expect(try Self.mode(server.dataDirectory) == 0o700)
            let files = try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory)
            for name in ["audit.sqlite", "audit.sqlite-wal", "audit.sqlite-shm", "audit-index.sqlite", "signing.key"] {
                #expect(files.contains(name), "\(name) is missing: \(files)")
            }
            for name in files { #expect(try Self.mode(server.dataDirectory + "/" + name) == 0o600, "\(name)") }
        }
    }

    @Test("Finding 6: export -o writes a 0600 file through an unpredictable temporary name, never FILE.partial")
    func exportOutputIsPrivateAndNotWrittenThroughAPredictableName() async throws {
        try await withServer { server, _, keyFile in
            let folder = server.dataDirectory + ".out"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let file = folder + "/export.jsonl"
            // Someone who can write the folder plants FILE.partial, pointing at a file of theirs.
            let victim = folder + "/victim"
            try "untouched\n".write(toFile: victim, atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: file + ".partial", withDestinationPath: victim)

            let exported = try await runCLI(["export", "--server", "http://127.0.0.1:\(server.port)", "--api-key-file", keyFile, "-o", file])
            #expect(exported.status == 0, "\(exported.output)")
            #expect(try String(contentsOfFile: file, encoding: .utf8).contains("doc.view"))
            #expect(try Self.mode(file) == 0o600)
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "untouched\n")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: file + ".partial") == victim)
            // Nothing else is left behind: no temporary file.
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder)) == ["export.jsonl", "export.jsonl.partial", "victim"])
        }
    }

    @Test("Finding 11: the CLI's key comes from a file or the environment; bad files are named; --api-key warns of ps")
    func keysNeverNeedTheCommandLine() async throws {
        try await withServer { server, key, keyFile in
            let query = ["query", "--server", "http://127.0.0.1:\(server.port)", "--format", "json"]
            for environment in [["AUDITTRAIL_API_KEY": key], ["AUDITTRAIL_API_KEY_FILE": keyFile]] {
                let result = try await runCLI(query, environment: environment)
                #expect(result.status == 0, "\(environment.keys): \(result.output)")
                #expect(result.output.contains("doc.view"), "\(environment.keys): \(result.output)")
            }
            #expect(try await runCLI(query + ["--api-key-file", keyFile]).status == 0)

            let empty = server.dataDirectory + ".empty.key"
            try "\n".write(toFile: empty, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: empty) }
            let cases: [([String], [String: String], String)] = [
                (["--api-key-file", empty], [:], "--api-key-file: \(empty) holds no key"),
                ([], ["AUDITTRAIL_API_KEY_FILE": empty], "AUDITTRAIL_API_KEY_FILE: \(empty) holds no key"),
                (["--api-key-file", "/nonexistent/key"], [:], "--api-key-file: cannot read /nonexistent/key"),
                ([], ["AUDITTRAIL_API_KEY_FILE": NSTemporaryDirectory()], "AUDITTRAIL_API_KEY_FILE: cannot read"),
            ]
            for (arguments, environment, message) in cases {
                let result = try await runCLI(query + arguments, environment: environment)
                #expect(result.status == 64, "\(arguments) \(environment): \(result.output)")
                #expect(result.output.contains(message), "\(arguments) \(environment): \(result.output)")
            }
        }
        let help = try await runCLI(["query", "--help"])
        let unwrapped = help.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(unwrapped.contains("Visible to every user in `ps`"), "\(help.output)")
    }
}
