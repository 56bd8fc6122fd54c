import AuditTrail
import AuditTrailClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import AuditTrailServer

/// The README's receiver in another language (`Examples/StreamReceiver/receiver.py`, Python's
/// standard library only) as the webhook: it checks the signature, the ranges and the chain of
/// every batch itself, and what it kept then verifies against the log's public key.
@Suite struct StreamReceiverExampleTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Examples/StreamReceiver/receiver.py").path

    @Test("the Python receiver checks and keeps every batch; a forged one is refused")
    func pythonReceiverKeepsAVerifiableCopy() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let secret = "python-receiver-secret-0123456789"
            try secret.write(toFile: directory + "/secret", atomically: true, encoding: .utf8)
            let portFile = directory + "/port"
            let receiver = try ChildProcess(
                executable: "/usr/bin/env",
                arguments: [
                    "python3", Self.script, "--port", "0", "--port-file", portFile, "--secret-file", directory + "/secret", "--dir",
                    directory + "/kept",
                ],
                environment: ProcessInfo.processInfo.environment,
                outputPath: directory + "/receiver.out"
            )
            defer {
                receiver.signal(SIGKILL)
                receiver.wait()
            }
            try await StreamDeliveryTests.waitUntil("the receiver to listen", limit: .seconds(90)) {
                guard receiver.isRunning else {
                    throw TestFailure("the receiver exited: \((try? String(contentsOfFile: directory + "/receiver.out", encoding: .utf8)) ?? "")")
                }
                return FileManager.default.fileExists(atPath: portFile)
            }
            let port = try #require(Int(try String(contentsOfFile: portFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
            try await withServer(setup: .live, StreamDeliveryTests.configure) { server, api in
                _ = try await StreamDeliveryTests.ingest(api, batches: 5, every: .zero)
                _ = try await StreamDeliveryTests.createStream(
                    api,
                    #"{"name":"py","destination":{"type":"webhook","url":"http://127.0.0.1:\#(port)/","secret":"\#(secret)"},"batch_events":30,"linger_ms":10}"#
                )
                _ = try await StreamDeliveryTests.ingest(api, batches: 5, every: .milliseconds(10))
                let head = try await server.store.head().seq
                let state = directory + "/kept/receiver-state.json"
                try await StreamDeliveryTests.waitUntil("the receiver to keep every event") {
                    let kept = (try? JSONParser.parse(Array((try? Data(contentsOf: URL(fileURLWithPath: state))) ?? Data())))?.arrayValue?.first?
                        .int64Value
                    return (kept ?? 0) >= head
                }
                let files = try AuditStreamFiles.batchFiles(in: directory + "/kept").filter { $0.hasSuffix(".jsonl") }
                let batches = try files.map { ReceivedBatch(body: Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/kept/" + $0)))) }
                try StreamDeliveryTests.checkCopy(batches, head: head, key: server.api.publicKey)

                // A batch signed with another secret is refused.
                let body = batches[0].body
                let connection = try AuditServerConnection(configuration: .init(server: "http://127.0.0.1:\(port)", apiKey: nil))
                let signature = AuditStreamSignature.header(
                    secret: "not-the-secret-0123456789",
                    timestamp: AuditTime.now().milliseconds / 1000,
                    body: body
                )
                let refused = try await connection.send("POST", "/", headers: [(AuditStreamSignature.headerName, signature)], body: body)
                try? await connection.shutdown()
                #expect(refused.status == 401)
            }
        }
    }
}
