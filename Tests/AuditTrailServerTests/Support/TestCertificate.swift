import AuditTrail
import Foundation

/// A self-signed certificate and key for 127.0.0.1, made with `openssl` in a fresh directory.
struct TestCertificate {
    let directory: String
    var certificate: String { directory + "/server.pem" }
    var key: String { directory + "/server.key" }

    init() throws {
        directory = NSTemporaryDirectory() + "audittrail-server-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let process = try ChildProcess(
            executable: "/usr/bin/env",
            arguments: [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
            ],
            environment: ProcessInfo.processInfo.environment,
            outputPath: directory + "/openssl.out"
        )
        guard process.wait() == 0 else { throw TestFailure("openssl could not make a test certificate") }
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}
