import AuditTrail
import Logging

extension AuditServerConfiguration {
    /// The environment variables ``fromEnvironment(_:)`` reads.
    public static let environmentVariables: [String] = [
        "AUDITTRAIL_HOST", "AUDITTRAIL_PORT", "AUDITTRAIL_DATA_DIR", "AUDITTRAIL_ADMIN_KEY",
        "AUDITTRAIL_ANONYMIZE_IPS", "AUDITTRAIL_LOG_LEVEL", "AUDITTRAIL_WRITER_CAPACITY",
        "AUDITTRAIL_WRITER_MAX_BATCH", "AUDITTRAIL_METRICS_PUBLIC", "AUDITTRAIL_STORE_READERS",
    ]

    /// Reads the `AUDITTRAIL_*` variables over the defaults, validating each.
    ///
    /// Variables: `AUDITTRAIL_HOST`, `AUDITTRAIL_PORT` (0–65535), `AUDITTRAIL_DATA_DIR`,
    /// `AUDITTRAIL_ADMIN_KEY` (at least 16 characters), `AUDITTRAIL_ANONYMIZE_IPS` and
    /// `AUDITTRAIL_METRICS_PUBLIC` (true/false/1/0/yes/no), `AUDITTRAIL_LOG_LEVEL` (trace … critical),
    /// `AUDITTRAIL_WRITER_CAPACITY` and `AUDITTRAIL_WRITER_MAX_BATCH` (positive integers),
    /// `AUDITTRAIL_STORE_READERS` (1–64). Unset or empty variables keep the default.
    ///
    /// ```swift
    /// let configuration = try AuditServerConfiguration.fromEnvironment(["AUDITTRAIL_PORT": "9000"])
    /// ```
    /// - Throws: ``AuditTrailError`` with code `invalidInput`, one field error per bad variable
    ///   naming the variable and the rule (never its value).
    public static func fromEnvironment(_ env: [String: String]) throws -> AuditServerConfiguration {
        var configuration = AuditServerConfiguration()
        var errors: [AuditTrailError.FieldError] = []
        func value(_ name: String) -> String? {
            guard let text = env[name], !text.isEmpty else { return nil }
            return text
        }
        func fail(_ name: String, _ rule: String) { errors.append(.init(field: name, message: rule)) }
        func integer(_ name: String, _ range: ClosedRange<Int>) -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                fail(name, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
                return nil
            }
            return number
        }
        func flag(_ name: String) -> Bool? {
            guard let text = value(name) else { return nil }
            switch text.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default:
                fail(name, "must be true or false (also 1/0, yes/no, on/off)")
                return nil
            }
        }

        if let host = value("AUDITTRAIL_HOST") {
            if host.contains(where: { $0 == " " || $0 == "/" }) {
                fail("AUDITTRAIL_HOST", "must be a host name or IP address")
            } else {
                configuration.host = host
            }
        }
        if let port = integer("AUDITTRAIL_PORT", 0...65535) { configuration.port = port }
        if let directory = value("AUDITTRAIL_DATA_DIR") { configuration.dataDirectory = directory }
        if let key = env["AUDITTRAIL_ADMIN_KEY"], !key.isEmpty {
            if key.count < minimumAdminKeyLength {
                fail("AUDITTRAIL_ADMIN_KEY", "must be at least \(minimumAdminKeyLength) characters")
            } else if key.contains(where: { $0.isWhitespace }) {
                fail("AUDITTRAIL_ADMIN_KEY", "must not contain whitespace")
            } else {
                configuration.adminKey = key
            }
        }
        if let anonymize = flag("AUDITTRAIL_ANONYMIZE_IPS") { configuration.anonymizeIPs = anonymize }
        if let open = flag("AUDITTRAIL_METRICS_PUBLIC") { configuration.options.metricsFromAnyPeer = open }
        if let text = value("AUDITTRAIL_LOG_LEVEL") {
            if let level = Logger.Level(rawValue: text.lowercased()) {
                configuration.logLevel = level
            } else {
                fail("AUDITTRAIL_LOG_LEVEL", "must be one of trace, debug, info, notice, warning, error, critical")
            }
        }
        if let capacity = integer("AUDITTRAIL_WRITER_CAPACITY", 1...100_000_000) { configuration.writer.capacity = capacity }
        if let batch = integer("AUDITTRAIL_WRITER_MAX_BATCH", 1...1_000_000) { configuration.writer.maxBatchEvents = batch }
        if let readers = integer("AUDITTRAIL_STORE_READERS", 1...64) { configuration.options.storeReaders = readers }

        guard errors.isEmpty else {
            let summary = errors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
            throw AuditTrailError(.invalidInput, summary, fieldErrors: errors)
        }
        return configuration
    }
}
