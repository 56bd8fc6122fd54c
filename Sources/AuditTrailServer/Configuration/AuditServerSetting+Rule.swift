import AuditTrail
import AuditTrailPostgres
import Logging

extension AuditServerSetting {
    /// How a setting's text becomes a value: one parse-and-check function, the rule as errors and
    /// the help state it, and how a value prints as a default.
    ///
    /// ```swift
    /// let rule = AuditServerSetting.Rule<Int>.integer(1...64)
    /// rule.parse("4")   // 4
    /// rule.parse("65")  // nil: "must be an integer from 1 to 64"
    /// ```
    package struct Rule<Value>: Sendable {
        /// The rule after "must be" (`an integer from 1 to 64`).
        package let text: String
        /// The value of `text`, or nil when `text` breaks the rule.
        package let parse: @Sendable (String) -> Value?
        /// A value as the help prints it.
        package let format: @Sendable (Value) -> String

        /// A rule from its statement, its parser and its printer.
        package init(text: String, parse: @escaping @Sendable (String) -> Value?, format: @escaping @Sendable (Value) -> String) {
            self.text = text
            self.parse = parse
            self.format = format
        }

        /// The same rule for an optional value (a nil default prints as `none`).
        package var optional: Rule<Value?> {
            let parse = self.parse
            let format = self.format
            // A text that breaks the rule is nil (refused), not `.some(nil)` (no value).
            return .init(text: text, parse: { parse($0).map(Optional.some) }, format: { $0.map(format) ?? "none" })
        }
    }
}

extension AuditServerSetting.Rule where Value: FixedWidthInteger & Sendable {
    /// A decimal integer (an optional leading `-`, then digits) within `range`.
    package static func integer(_ range: ClosedRange<Value>) -> Self {
        .init(
            text: "an integer from \(range.lowerBound) to \(range.upperBound)",
            parse: { text in
                let digits = text.utf8.first == UInt8(ascii: "-") ? text.utf8.dropFirst() : text.utf8[...]
                guard !digits.isEmpty, digits.allSatisfy({ (48...57).contains($0) }), let value = Value(text), range.contains(value) else {
                    return nil
                }
                return value
            },
            format: { String($0) }
        )
    }
}

extension AuditServerSetting.Rule where Value == Bool {
    /// `true`/`false`, `1`/`0`, `yes`/`no` or `on`/`off`, in any case.
    package static var boolean: Self {
        .init(
            text: "true or false (also 1/0, yes/no, on/off, any case)",
            parse: { text in
                switch text.lowercased() {
                case "1", "true", "yes", "on": true
                case "0", "false", "no", "off": false
                default: nil
                }
            },
            format: { $0 ? "true" : "false" }
        )
    }
}

extension AuditServerSetting.Rule where Value == Logger.Level {
    /// A log level's name, in any case.
    package static var logLevel: Self {
        .init(
            text: "one of " + Logger.Level.allCases.map(\.rawValue).joined(separator: ", ") + " (any case)",
            parse: { Logger.Level(rawValue: $0.lowercased()) },
            format: { $0.rawValue }
        )
    }
}

extension AuditServerSetting.Rule where Value == String {
    /// A host name or an IP address: 1 to 253 letters, digits and `.` `-` `_` `:` `%`.
    package static var host: Self {
        .init(
            text: "a host name or IP address (1 to 253 letters, digits and . - _ : %)",
            parse: { text in
                let allowed = text.utf8.allSatisfy { byte in
                    switch byte {
                    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
                    case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "%"): true
                    default: false
                    }
                }
                return allowed && (1...253).contains(text.utf8.count) ? text : nil
            },
            format: { $0 }
        )
    }

    /// A file or directory path: not empty, no control characters.
    package static var path: Self {
        .init(
            text: "a non-empty path without control characters",
            parse: { text in text.isEmpty || text.utf8.contains { $0 < 0x20 || $0 == 0x7F } ? nil : text },
            format: { $0 }
        )
    }

    /// A checkpoint origin line (``AuditServerConfiguration/isValidOrigin(_:)``).
    package static var origin: Self {
        .init(
            text: "one non-empty line of at most 256 bytes without control characters",
            parse: { AuditServerConfiguration.isValidOrigin($0) ? $0 : nil },
            format: { $0 }
        )
    }

    /// A key given to the server (the admin key, the metrics key): at least 16 characters, no
    /// whitespace. Never printed.
    package static var secretKey: Self {
        .init(
            text: "at least \(AuditServerConfiguration.minimumAdminKeyLength) characters without whitespace",
            parse: { text in
                text.count >= AuditServerConfiguration.minimumAdminKeyLength && !text.contains(where: \.isWhitespace) ? text : nil
            },
            format: { _ in "(secret)" }
        )
    }
}

extension AuditServerSetting.Rule where Value == Duration {
    /// Decimal seconds from 0.01 to 86,400 (``AuditServerConfiguration/checkpointInterval(_:)``).
    package static var seconds: Self {
        .init(
            text: "a number of seconds from 0.01 to 86400",
            parse: { AuditServerConfiguration.checkpointInterval($0) },
            format: { duration in
                let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
                return milliseconds % 1000 == 0 ? String(milliseconds / 1000) : String(Double(milliseconds) / 1000)
            }
        )
    }
}

extension AuditServerSetting.Rule where Value == AuditRetentionWindow {
    /// Days from 1 to 36,500, or `0` or `off` (any case) for no retention.
    package static var retentionDays: Self {
        .init(
            text: "an integer from 1 to 36500, or 0 or off",
            parse: { try? AuditRetentionWindow(parsing: $0) },
            format: { $0.days.map(String.init) ?? "off" }
        )
    }
}

extension AuditServerSetting.Rule where Value == Int? {
    /// Days from 1 to 36,500, or `0` or `off` (any case) for no limit.
    package static var daysOrOff: Self {
        .init(
            text: "an integer from 1 to 36500, or 0 or off",
            parse: { text in
                if text.lowercased() == "off" || text == "0" { return .some(nil) }
                guard text.utf8.count <= 5, text.utf8.allSatisfy({ (48...57).contains($0) }), let days = Int(text), (1...36_500).contains(days)
                else { return nil }
                return .some(days)
            },
            format: { $0.map(String.init) ?? "off" }
        )
    }
}

extension AuditServerSetting.Rule where Value == PostgresAuditStore.Configuration {
    /// A PostgreSQL URL (``PostgresAuditStore/Configuration/init(url:)``); printed without its password.
    package static var databaseURL: Self {
        .init(
            text: "postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require][&schema=name][&connections=N][&lease_seconds=N]",
            parse: { try? PostgresAuditStore.Configuration(url: $0) },
            format: { "postgres://\($0.username)@\($0.host):\($0.port)/\($0.database)" }
        )
    }
}
