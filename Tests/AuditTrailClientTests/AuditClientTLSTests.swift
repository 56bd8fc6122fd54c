import AuditTrail
import AuditTrailClient
import Foundation
import Testing

@testable import audittrail

@Suite("AuditClient over HTTPS", .serialized)
struct AuditClientTLSTests {
    @Test func httpsEndToEndWithTheTestCA() async throws {
        let pki = try TestPKI()
        let server = try ClientTestServer(arguments: ["--tls-cert", pki.serverCertificate, "--tls-key", pki.serverKey], tls: true)
        try await server.start(trust: .caFile(pki.caCertificate))
        let client = try makeClient(server) { $0.trust = .caFile(pki.caCertificate) }
        try await withRunningClient(client) { client in
            for index in 0..<20 { try await client.write(probeEvent("tls-\(index)")) }
            try await waitUntilDrained(client)
        }
        let reader = try ServerReader(server, trust: .caFile(pki.caCertificate))
        #expect(try await reader.events(resourceType: "probe").map(\.resource) == (0..<20).map { "tls-\($0)" })
        await reader.shutdown()
    }

    @Test func aCertificateFromAnotherCAFailsWithATLSError() async throws {
        let pki = try TestPKI()
        let stranger = try TestPKI()
        let server = try ClientTestServer(arguments: ["--tls-cert", pki.serverCertificate, "--tls-key", pki.serverKey], tls: true)
        try await server.start(trust: .caFile(pki.caCertificate))
        var configuration = AuditServerConnection.Configuration(server: server.url, apiKey: server.adminKey)
        configuration.trust = .caFile(stranger.caCertificate)
        let connection = try AuditServerConnection(configuration: configuration)
        do {
            _ = try await connection.get("/healthz")
            Issue.record("a server certificate from another CA was accepted")
        } catch {
            #expect(error.code == .tlsFailed)
            #expect(error.message.contains("TLS handshake failed"))
            #expect(error.message.contains(stranger.caCertificate))
        }
        try await connection.shutdown()
    }
}

/// A throw-away CA and a server certificate for 127.0.0.1 and localhost, made with `openssl`.
struct TestPKI {
    let directory = temporaryDirectory("pki")
    var caCertificate: String { directory + "/ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let extensions = directory + "/server.ext"
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n".write(toFile: extensions, atomically: true, encoding: .utf8)
        let steps = [
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=audittrail-test-ca -keyout ca.key -out ca.pem",
            "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr",
            "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.pem",
        ]
        for step in steps {
            let log = directory + "/openssl.log"
            let process = try ChildProcess(
                executable: "/bin/sh",
                arguments: ["-c", "cd '\(directory)' && \(step)"],
                environment: ProcessInfo.processInfo.environment,
                outputPath: log
            )
            guard process.wait() == 0 else {
                throw TestFailure("\(step) failed: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            }
        }
    }
}
