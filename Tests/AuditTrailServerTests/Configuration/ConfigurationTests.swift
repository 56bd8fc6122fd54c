import AuditTrail
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing

@testable import AuditTrailServer

@Suite struct ConfigurationTests {
    @Test func environmentOverridesTheDefaults() throws {
        let configuration = try AuditServerConfiguration.fromEnvironment([
            "AUDITTRAIL_HOST": "0.0.0.0", "AUDITTRAIL_PORT": "9090", "AUDITTRAIL_DATA_DIR": "/var/lib/at",
            "AUDITTRAIL_ADMIN_KEY": "a-long-enough-admin-key", "AUDITTRAIL_ANONYMIZE_IPS": "yes",
            "AUDITTRAIL_LOG_LEVEL": "debug", "AUDITTRAIL_WRITER_CAPACITY": "5000", "AUDITTRAIL_METRICS_PUBLIC": "1",
        ])
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9090)
        #expect(configuration.dataDirectory == "/var/lib/at")
        #expect(configuration.adminKey == "a-long-enough-admin-key")
        #expect(configuration.anonymizeIPs)
        #expect(configuration.logLevel == .debug)
        #expect(configuration.writer.capacity == 5000)
        #expect(configuration.options.metricsFromAnyPeer)
    }

    @Test func checkpointSettingsComeFromTheEnvironment() throws {
        let configuration = try AuditServerConfiguration.fromEnvironment([
            "AUDITTRAIL_CHECKPOINT_EVENTS": "50", "AUDITTRAIL_CHECKPOINT_SECONDS": "0.25",
            "AUDITTRAIL_SIGNING_KEY_FILE": "/etc/audittrail/signing.key", "AUDITTRAIL_LOG_ORIGIN": "audit.example.com/log",
        ])
        #expect(configuration.checkpoint.events == 50)
        #expect(configuration.checkpoint.interval == .milliseconds(250))
        #expect(configuration.resolvedSigningKeyFile == "/etc/audittrail/signing.key")
        #expect(configuration.logOrigin == "audit.example.com/log")
        let defaults = try AuditServerConfiguration.fromEnvironment(["AUDITTRAIL_DATA_DIR": "/data"])
        #expect(defaults.checkpoint.events == 1000)
        #expect(defaults.checkpoint.interval == .seconds(10))
        #expect(defaults.resolvedSigningKeyFile == "/data/signing.key")
        #expect(defaults.logOrigin == nil)
    }

    @Test(arguments: [
        ("AUDITTRAIL_CHECKPOINT_EVENTS", "0"), ("AUDITTRAIL_CHECKPOINT_EVENTS", "many"),
        ("AUDITTRAIL_CHECKPOINT_SECONDS", "0"), ("AUDITTRAIL_CHECKPOINT_SECONDS", "-1"),
        ("AUDITTRAIL_CHECKPOINT_SECONDS", "soon"), ("AUDITTRAIL_CHECKPOINT_SECONDS", "100000"),
        ("AUDITTRAIL_LOG_ORIGIN", "two\nlines"),
    ])
    func badCheckpointSettingsAreNamed(name: String, value: String) throws {
        let error = #expect(throws: AuditTrailError.self) { try AuditServerConfiguration.fromEnvironment([name: value]) }
        #expect(error?.fieldErrors.map(\.field) == [name])
    }

    @Test func retentionSettingsComeFromTheEnvironment() throws {
        let configuration = try AuditServerConfiguration.fromEnvironment([
            "AUDITTRAIL_RETENTION_DAYS": "30", "AUDITTRAIL_RETENTION_INTERVAL_SECONDS": "600",
        ])
        #expect(configuration.retention.initialWindow.days == 30)
        #expect(configuration.retention.interval == .seconds(600))
        for off in ["0", "off", "OFF"] {
            #expect(try AuditServerConfiguration.fromEnvironment(["AUDITTRAIL_RETENTION_DAYS": off]).retention.initialWindow == .off)
        }
        let defaults = try AuditServerConfiguration.fromEnvironment([:])
        #expect(defaults.retention.initialWindow.days == 90)
        #expect(defaults.retention.interval == .seconds(3600))
        #expect(defaults.retention.batchEvents == 10_000)
    }

    @Test(arguments: [
        ("AUDITTRAIL_RETENTION_DAYS", "36501"), ("AUDITTRAIL_RETENTION_DAYS", "-5"), ("AUDITTRAIL_RETENTION_DAYS", "forever"),
        ("AUDITTRAIL_RETENTION_INTERVAL_SECONDS", "0"), ("AUDITTRAIL_RETENTION_INTERVAL_SECONDS", "hourly"),
    ])
    func badRetentionSettingsAreNamed(name: String, value: String) throws {
        let error = #expect(throws: AuditTrailError.self) { try AuditServerConfiguration.fromEnvironment([name: value]) }
        #expect(error?.fieldErrors.map(\.field) == [name])
    }

    @Test func emptyEnvironmentKeepsTheDefaults() throws {
        let configuration = try AuditServerConfiguration.fromEnvironment([:])
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.dataDirectory == "./audittrail-data")
        #expect(configuration.adminKey == nil)
        #expect(!configuration.anonymizeIPs)
        #expect(!configuration.options.metricsFromAnyPeer)
    }

    @Test func badVariablesAreNamedWithoutTheirValues() throws {
        let secret = "short-key"
        do {
            _ = try AuditServerConfiguration.fromEnvironment([
                "AUDITTRAIL_PORT": "70000", "AUDITTRAIL_ADMIN_KEY": secret, "AUDITTRAIL_ANONYMIZE_IPS": "maybe",
                "AUDITTRAIL_LOG_LEVEL": "loud",
            ])
            Issue.record("expected an error")
        } catch let error as AuditTrailError {
            #expect(
                Set(error.fieldErrors.map(\.field)) == [
                    "AUDITTRAIL_PORT", "AUDITTRAIL_ADMIN_KEY", "AUDITTRAIL_ANONYMIZE_IPS", "AUDITTRAIL_LOG_LEVEL",
                ]
            )
            #expect(!error.description.contains(secret))
        }
    }

    @Test func thePortFileNamesTheBoundAddress() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("audittrail-\(UUID().uuidString).port").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configure: (inout AuditServerConfiguration) -> Void = { $0.portFile = path }
        try await withServer(setup: .live, configure) { _, api in
            let port = try #require(api.client.port)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text == "127.0.0.1:\(port)\n" || text == "[::1]:\(port)\n", "\(text)")
            #expect(try await api.send(.get, "/healthz", key: nil).status == .ok)
        }
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"))
    }

    @Test func addressesPrintAsHostAndPort() throws {
        #expect(AuditServerAddress(host: "127.0.0.1", port: 43125).description == "127.0.0.1:43125")
        #expect(AuditServerAddress(host: "::1", port: 8080).url == "http://[::1]:8080")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("audittrail-\(UUID().uuidString).port").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try AuditServerAddress(host: "127.0.0.1", port: 1).write(toPortFile: path)
        try AuditServerAddress(host: "127.0.0.1", port: 43125).write(toPortFile: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "127.0.0.1:43125\n")
        #expect(throws: AuditTrailError.self) { try AuditServerAddress(host: "::1", port: 1).write(toPortFile: "/nonexistent-dir/x.port") }
    }

    @Test func anonymizedIPsAreStoredTruncated() async throws {
        let configure: (inout AuditServerConfiguration) -> Void = { $0.anonymizeIPs = true }
        try await withServer(configure) { _, api in
            let created = try await api.ingest(#"{"action":"user.login","actor":{"id":"u-1","ip":"203.0.113.9"}}"#)
            let id = try #require(created.json["id"]?.stringValue)
            let stored = try await api.send(.get, "/v1/events/\(id)")
            #expect(stored.json["actor"]?["ip"]?.stringValue == "203.0.113.0")
        }
    }
}
