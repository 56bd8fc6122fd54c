import ArgumentParser
import AuditTrail
import AuditTrailServer
import Foundation
import Logging
import Testing

@testable import audittrail

/// `audittrail serve`'s flags and the `AUDITTRAIL_*` variables are one table: the same text must
/// get the same answer, and the same value, through either.
@Suite struct ServeSettingsTests {
    /// Good and bad texts for every setting, by variable. Empty texts are left out: an empty
    /// variable means unset (``emptyTextIsRefusedAsAFlagAndUnsetAsAVariable()``).
    static let values: [String: (good: [String], bad: [String])] = [
        "AUDITTRAIL_HOST": (
            ["127.0.0.1", "0.0.0.0", "::1", "localhost", "audit-1.example.com", "fe80::1%eth0"],
            ["two words", "a/b", "http://x", "tab\there", "[::1]", String(repeating: "h", count: 254)]
        ),
        "AUDITTRAIL_PORT": (["0", "1", "8080", "65535"], ["-1", "65536", "80.5", "http", " 80", "+80", "0x50"]),
        "AUDITTRAIL_DATA_DIR": (["/var/lib/audittrail", "./data", "a dir", "-data"], ["line\nbreak", "tab\tdir", "del\u{7F}"]),
        "AUDITTRAIL_DATABASE_URL": (
            ["postgres://app@db:5432/audit", "postgresql://app:pw@127.0.0.1/audit?sslmode=require&schema=log2&connections=8&lease_seconds=10"],
            ["mysql://app@db/audit", "postgres://app@db", "postgres://app@db/audit?mode=x", "postgres://app@db/audit?lease_seconds=0"]
        ),
        "AUDITTRAIL_PORT_FILE": (["/tmp/at.port", "at.port"], ["line\nbreak", "bell\u{07}"]),
        "AUDITTRAIL_ANONYMIZE_IPS": (["true", "false", "1", "0", "yes", "NO", "On", "off"], ["maybe", "2", "tru", " true"]),
        "AUDITTRAIL_RISK_SCORING": (["true", "false", "1", "0", "yes", "NO", "On", "off"], ["maybe", "2", "tru", " true"]),
        "AUDITTRAIL_LOG_LEVEL": (["trace", "DEBUG", "Info", "notice", "warning", "error", "critical"], ["loud", "warn", "verbose"]),
        "AUDITTRAIL_WRITER_CAPACITY": (["1", "200000", "100000000"], ["0", "-5", "100000001", "many", "1e3"]),
        "AUDITTRAIL_WRITER_MAX_BATCH": (["1", "10000", "1000000"], ["0", "1000001", "ten"]),
        "AUDITTRAIL_METRICS_PUBLIC": (["TRUE", "0", "yes", "off"], ["public", "-1"]),
        "AUDITTRAIL_STORE_READERS": (["1", "4", "64"], ["0", "65", "four", "-4"]),
        "AUDITTRAIL_INDEX_CACHE_MIB": (["0", "256", "65536"], ["-1", "65537", "lots"]),
        "AUDITTRAIL_PAGE_CACHE_MIB": (["1", "64", "65536"], ["0", "65537", "big"]),
        "AUDITTRAIL_INDEX_CHUNK_SHIFT": (["8", "12", "16"], ["7", "17", "0", "big"]),
        "AUDITTRAIL_INDEX_LAG_LIMIT": (["1024", "65536", "10000000"], ["1023", "10000001", "0", "-5", "many"]),
        "AUDITTRAIL_CHECKPOINT_EVENTS": (["1", "50", "100000000"], ["0", "100000001", "many"]),
        "AUDITTRAIL_CHECKPOINT_SECONDS": (["0.01", "0.25", "10", "86400"], ["0", "-1", "soon", "100000", "0.001", "nan", "inf"]),
        "AUDITTRAIL_SIGNING_KEY_FILE": (["/etc/audittrail/signing.key", "k.key"], ["line\nbreak", "del\u{7F}"]),
        "AUDITTRAIL_LOG_ORIGIN": (["audit.example.com/log", "audittrail/a b", "-origin"], ["two\nlines", String(repeating: "o", count: 257)]),
        "AUDITTRAIL_RETENTION_DAYS": (["1", "90", "36500", "0", "off", "OFF"], ["36501", "-5", "forever", " 30"]),
        "AUDITTRAIL_RETENTION_INTERVAL_SECONDS": (["600", "0.5", "86400"], ["0", "hourly", "86401"]),
        "AUDITTRAIL_TLS_CERT": (["/etc/audittrail/server.pem", "server.pem"], ["line\nbreak", "del\u{7F}"]),
        "AUDITTRAIL_TLS_KEY": (["/etc/audittrail/server.key", "server.key"], ["line\nbreak", "bell\u{07}"]),
        "AUDITTRAIL_ADMIN_KEY": (["a-long-enough-admin-key", "0123456789abcdef"], ["short-key", "with spaces but long enough", "0123456789abcde"]),
        "AUDITTRAIL_IDLE_TIMEOUT": (["0.5", "30", "86400"], ["0", "-1", "never", "86401"]),
        "AUDITTRAIL_QUERY_TIMEOUT": (["0.5", "10", "86400"], ["0", "-1", "never", "86401"]),
        "AUDITTRAIL_WRITE_TIMEOUT": (["0.5", "60", "86400"], ["0", "-1", "never", "86401"]),
        "AUDITTRAIL_TAIL_HEARTBEAT": (["0.5", "15", "86400"], ["0", "-1", "never", "86401"]),
        "AUDITTRAIL_TAIL_POLL": (["0.05", "1", "60"], ["0", "-1", "often", "86401"]),
        "AUDITTRAIL_TAIL_MAX_LAG": (["1", "60", "3600"], ["0", "-5", "long", "86401"]),
        "AUDITTRAIL_TAIL_MAX_STREAMS": (["1", "256", "100000"], ["0", "100001", "many", "-1"]),
        "AUDITTRAIL_STREAM_FILES_DIR": (["/tmp/at-streams", "streams"], ["line\nbreak", "bell\u{07}"]),
        "AUDITTRAIL_STREAM_CA_FILE": (["/tmp/ca.pem", "ca.pem"], ["line\nbreak", "bell\u{07}"]),
        "AUDITTRAIL_STREAM_ALERT_AFTER": (["1", "300", "86400"], ["0", "-1", "soon", "86401"]),
        "AUDITTRAIL_STREAM_MAX_BACKOFF": (["0.5", "30", "3600"], ["0", "-1", "long", "86401"]),
        "AUDITTRAIL_MAX_EVENT_AGE": (["1", "30", "36500", "0", "off", "OFF"], ["36501", "-5", "forever", " 30"]),
        "AUDITTRAIL_ADMIN_KEY_FILE": ([keyFile], ["line\nbreak", "del\u{7F}"]),
        "AUDITTRAIL_METRICS_KEY": (["a-long-enough-metrics-key"], ["short-key", "with spaces but long enough"]),
        "AUDITTRAIL_METRICS_KEY_FILE": ([keyFile], ["line\nbreak", "bell\u{07}"]),
    ]

    /// A file holding a good key, for the good values of the `…_KEY_FILE` settings.
    static let keyFile: String = {
        let path = NSTemporaryDirectory() + "audittrail-serve-settings-\(UUID().uuidString).key"
        try? "a-long-enough-key-in-a-file\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    /// The configuration from `serve`'s command line, parsed in-process as the binary parses it.
    func fromFlags(_ arguments: [String]) -> Result<AuditServerConfiguration, any Error> {
        Result { try ServeCommand.parse(arguments).serverConfiguration(environment: [:]) }
    }

    /// The configuration from the environment alone.
    func fromVariables(_ environment: [String: String]) -> Result<AuditServerConfiguration, any Error> {
        Result { try AuditServerConfiguration.fromEnvironment(environment) }
    }

    /// Every setting's value as text: two configurations that agree here agree on every setting.
    func settingTexts(_ configuration: AuditServerConfiguration) -> [String] {
        AuditServerSetting.all.map { $0.text(in: configuration) } + [configuration.adminKey ?? "(no admin key)"]
    }

    @Test func everySettingHasGoodAndBadValues() {
        #expect(Set(Self.values.keys) == Set(AuditServerSetting.all.map(\.variable)))
        for (variable, texts) in Self.values {
            #expect(!texts.good.isEmpty && !texts.bad.isEmpty, "\(variable)")
        }
    }

    @Test(arguments: AuditServerSetting.all.map(\.variable))
    func flagAndVariableGiveTheSameAnswers(variable: String) throws {
        let setting = try #require(AuditServerSetting.all.first { $0.variable == variable })
        let texts = try #require(Self.values[variable])
        for (text, good) in texts.good.map({ ($0, true) }) + texts.bad.map({ ($0, false) }) {
            let byVariable = fromVariables([variable: text])
            let accepted = (try? byVariable.get()) != nil
            #expect(accepted == good, "\(variable)=\(text.debugDescription)")
            guard let flag = setting.flagName else {
                // Only the environment sets it: there is no flag to give it on the command line.
                #expect((try? fromFlags(["--" + variable.dropFirst(11).lowercased().replacing("_", with: "-"), text]).get()) == nil)
                continue
            }
            // A switch takes its value as --flag=value; every other flag as --flag value (and --flag=value).
            var forms = [[flag + "=" + text]]
            if !setting.isSwitch { forms.append([flag, text]) }
            for arguments in forms {
                let byFlag = fromFlags(arguments)
                switch (byFlag, byVariable) {
                case (.success(let flagged), .success(let variabled)):
                    #expect(settingTexts(flagged) == settingTexts(variabled), "\(arguments) vs \(variable)")
                case (.failure(let error), .failure(let variableError)):
                    let message = ServeCommand.message(for: error)
                    #expect(message.contains(flag + ": must be " + setting.rule), "\(arguments): \(message)")
                    #expect("\(variableError)".contains(variable + ": must be " + setting.rule), "\(variable): \(variableError)")
                default:
                    Issue.record("\(arguments) and \(variable)=\(text.debugDescription) disagree: \(byFlag) vs \(byVariable)")
                }
            }
        }
    }

    @Test func acceptedValuesLandInTheConfiguration() throws {
        let flagged = try fromFlags([
            "--host", "0.0.0.0", "--port", "0", "--port-file", "/tmp/p", "--anonymize-ips", "--log-level", "DEBUG",
            "--writer-capacity", "5", "--writer-max-batch", "2", "--metrics-public", "--store-readers", "2", "--page-cache-mib", "8",
            "--checkpoint-events", "7",
            "--checkpoint-seconds", "0.25", "--signing-key", "/k", "--log-origin", "o/1", "--retention-days", "off",
            "--retention-interval-seconds", "60", "--data-dir", "/d",
        ]).get()
        #expect(flagged.host == "0.0.0.0" && flagged.port == 0 && flagged.portFile == "/tmp/p" && flagged.dataDirectory == "/d")
        #expect(flagged.anonymizeIPs && flagged.options.metricsFromAnyPeer && flagged.logLevel == .debug)
        #expect(flagged.writer.capacity == 5 && flagged.writer.maxBatchEvents == 2 && flagged.options.storeReaders == 2)
        #expect(flagged.options.pageCacheMiB == 8)
        #expect(flagged.checkpoint.events == 7 && flagged.checkpoint.interval == .milliseconds(250))
        #expect(flagged.signingKeyFile == "/k" && flagged.logOrigin == "o/1")
        #expect(flagged.retention.initialWindow == .off && flagged.retention.interval == .seconds(60))
    }

    @Test func flagsWinOverTheEnvironment() throws {
        let command = try ServeCommand.parse(["--port", "9001", "--anonymize-ips=false"])
        let configuration = try command.serverConfiguration(environment: [
            "AUDITTRAIL_PORT": "9000", "AUDITTRAIL_ANONYMIZE_IPS": "true", "AUDITTRAIL_HOST": "0.0.0.0",
        ])
        #expect(configuration.port == 9001)
        #expect(!configuration.anonymizeIPs)
        #expect(configuration.host == "0.0.0.0")
        // A variable that a flag overrides is not read, so its breaking the rule does not matter.
        #expect(try command.serverConfiguration(environment: ["AUDITTRAIL_PORT": "none"]).port == 9001)
        #expect(throws: ValidationError.self) { try command.serverConfiguration(environment: ["AUDITTRAIL_HOST": "a b"]) }
    }

    @Test func emptyTextIsRefusedAsAFlagAndUnsetAsAVariable() throws {
        for setting in AuditServerSetting.all {
            let defaults = settingTexts(AuditServerConfiguration())
            #expect(settingTexts(try fromVariables([setting.variable: ""]).get()) == defaults, "\(setting.variable)")
            guard let flag = setting.flagName else { continue }
            #expect((try? fromFlags([flag + "="]).get()) == nil, "\(flag)=")
            if !setting.isSwitch { #expect((try? fromFlags([flag, ""]).get()) == nil, "\(flag) ''") }
        }
    }

    @Test(arguments: [
        (["--bogus"], "--bogus: is not a flag of audittrail serve"),
        (["--bogus=1"], "--bogus: is not a flag of audittrail serve"),
        (["--admin-key", "a-long-enough-admin-key"], "--admin-key: is not a flag of audittrail serve"),
        (["--port"], "--port: needs a value"),
        (["--port", "--host", "0.0.0.0"], "--port: needs a value"),
        (["--data-dir", "/d", "stray"], "argument 3: must be a flag"),
        (["-p", "80"], "-p: is not a flag of audittrail serve"),
    ])
    func badCommandLinesNameTheFlag(arguments: [String], expected: String) {
        guard case .failure(let error) = fromFlags(arguments) else {
            Issue.record("\(arguments) was accepted")
            return
        }
        let text = ServeCommand.message(for: error)
        #expect(text.contains(expected), "\(text)")
        #expect(!text.contains("a-long-enough-admin-key"))
    }

    @Test func aBadAdminKeyIsNamedButNeverShown() {
        let secret = "short secret"
        let error = #expect(throws: AuditTrailError.self) { try AuditServerConfiguration.fromEnvironment(["AUDITTRAIL_ADMIN_KEY": secret]) }
        #expect(error?.fieldErrors.map(\.field) == ["AUDITTRAIL_ADMIN_KEY"])
        #expect(!"\(String(describing: error))".contains(secret))
    }

    @Test func aSwitchAloneMeansTrue() throws {
        let configuration = try fromFlags(["--anonymize-ips", "--metrics-public"]).get()
        #expect(configuration.anonymizeIPs && configuration.options.metricsFromAnyPeer)
    }

    @Test func helpListsEverySettingWithItsVariableRuleAndDefault() {
        let help = ServeCommand.helpMessage(columns: 100)
        for setting in AuditServerSetting.all {
            let unwrapped = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            let source = "(" + (setting.flag == nil ? "environment only" : setting.variable) + ")"
            #expect(unwrapped.contains(setting.usage + " " + source), "\(setting.variable)")
            #expect(unwrapped.contains("Value: " + setting.rule + "."), "\(setting.variable)")
            #expect(unwrapped.contains("Default: " + setting.defaultText + "."), "\(setting.variable)")
        }
        #expect(help.contains("--writer-capacity <n>  (AUDITTRAIL_WRITER_CAPACITY)"))
        #expect(help.contains("Default: 200000."))
    }
}
