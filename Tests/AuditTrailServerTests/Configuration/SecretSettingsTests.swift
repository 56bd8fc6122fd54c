import AuditTrail
import Foundation
import Testing

@testable import AuditTrailServer

/// Issue 12, finding 11 (no secret needs to be on a command line) and the idle-timeout setting
/// of finding 5.
@Suite struct SecretSettingsTests {
    /// A fresh file holding `contents`, removed after `body`.
    func withFile<T>(_ contents: String, _ body: (String) throws -> T) throws -> T {
        let path = NSTemporaryDirectory() + "audittrail-secret-\(UUID().uuidString)"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    /// The field errors of reading these flags and variables, or nil when they are accepted.
    func fieldErrors(_ arguments: [String], _ environment: [String: String] = [:]) -> [AuditTrailError.FieldError]? {
        do {
            _ = try AuditServerConfiguration.fromSettings(arguments: arguments, environment: environment)
            return nil
        } catch {
            return error.fieldErrors
        }
    }

    @Test("Finding 11: the admin and metrics keys come from a file (flag or variable) or the environment")
    func secretsComeFromAFileOrTheEnvironment() throws {
        let admin = "admin-key-from-a-file-0123"
        let metrics = "metrics-key-from-a-file-0123"
        try withFile(admin + "\n") { adminFile in
            try withFile("  " + metrics + "\r\n") { metricsFile in
                let flagged = try AuditServerConfiguration.fromSettings(
                    arguments: ["--admin-key-file", adminFile, "--metrics-key-file", metricsFile],
                    environment: [:]
                )
                #expect(flagged.adminKey == admin && flagged.metricsKey == metrics)
                let variables = try AuditServerConfiguration.fromEnvironment([
                    "AUDITTRAIL_ADMIN_KEY_FILE": adminFile, "AUDITTRAIL_METRICS_KEY_FILE": metricsFile,
                ])
                #expect(variables.adminKey == admin && variables.metricsKey == metrics)
            }
        }
        let environment = try AuditServerConfiguration.fromEnvironment(["AUDITTRAIL_ADMIN_KEY": admin, "AUDITTRAIL_METRICS_KEY": metrics])
        #expect(environment.adminKey == admin && environment.metricsKey == metrics)
        // Neither key has a flag of its own: a flag would show it in `ps`.
        #expect(AuditServerSetting.adminKey.flag == nil && AuditServerSetting.metricsKey.flag == nil)
        #expect(fieldErrors(["--admin-key", admin])?.first?.field == "--admin-key")
        #expect(fieldErrors(["--metrics-key", metrics])?.first?.field == "--metrics-key")
    }

    @Test("Finding 11: an empty, unreadable or bad key file is an error naming the option, never the key")
    func badKeyFilesAreNamed() throws {
        let missing = NSTemporaryDirectory() + "audittrail-no-such-\(UUID().uuidString)"
        let errors = fieldErrors(["--admin-key-file", missing])
        #expect(errors?.map(\.field) == ["--admin-key-file"])
        #expect(errors?.first?.message.contains("cannot read \(missing)") == true, "\(String(describing: errors))")
        // A directory opens but does not read.
        let directory = fieldErrors([], ["AUDITTRAIL_METRICS_KEY_FILE": NSTemporaryDirectory()])
        #expect(directory?.map(\.field) == ["AUDITTRAIL_METRICS_KEY_FILE"])
        #expect(directory?.first?.message.contains("cannot read") == true, "\(String(describing: directory))")
        try withFile("") { empty in
            let errors = fieldErrors(["--metrics-key-file", empty])
            #expect(errors?.map(\.field) == ["--metrics-key-file"])
            #expect(errors?.first?.message == "\(empty) holds no key")
        }
        try withFile("\n\n") { blank in
            #expect(fieldErrors([], ["AUDITTRAIL_ADMIN_KEY_FILE": blank])?.first?.message == "\(blank) holds no key")
        }
        let short = "short-secret"
        try withFile(short) { file in
            let errors = fieldErrors(["--admin-key-file", file])
            #expect(errors?.map(\.field) == ["--admin-key-file"])
            #expect(errors?.first?.message.contains("at least 16 characters") == true)
            #expect(!"\(String(describing: errors))".contains(short))
        }
        try withFile("a-long-enough-admin-key") { file in
            let both = fieldErrors(["--admin-key-file", file], ["AUDITTRAIL_ADMIN_KEY": "another-long-admin-key"])
            #expect(both?.map(\.field) == ["--admin-key-file"])
            #expect(both?.first?.message.contains("not both") == true)
        }
    }

    @Test("Finding 5: the idle timeout is a setting, 30 seconds by default")
    func theIdleTimeoutIsASetting() throws {
        #expect(AuditServerConfiguration().options.idleTimeout == .seconds(30))
        #expect(
            try AuditServerConfiguration.fromSettings(arguments: ["--idle-timeout", "2.5"], environment: [:]).options.idleTimeout
                == .milliseconds(2500)
        )
        #expect(try AuditServerConfiguration.fromEnvironment(["AUDITTRAIL_IDLE_TIMEOUT": "60"]).options.idleTimeout == .seconds(60))
        #expect(fieldErrors(["--idle-timeout", "0"])?.map(\.field) == ["--idle-timeout"])
        #expect(fieldErrors([], ["AUDITTRAIL_IDLE_TIMEOUT": "forever"])?.map(\.field) == ["AUDITTRAIL_IDLE_TIMEOUT"])
    }
}
