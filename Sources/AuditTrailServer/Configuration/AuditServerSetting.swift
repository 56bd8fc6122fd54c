import AuditTrail

/// One setting of `audittrail serve`, defined once: its flag, its environment variable, the rule
/// its text must follow, its help, how its default reads and where it goes in an
/// ``AuditServerConfiguration``.
///
/// Everything that reads settings is derived from ``all``: the flags of `serve`
/// (``AuditServerConfiguration/fromSettings(arguments:environment:)``), the `AUDITTRAIL_*`
/// variables (``AuditServerConfiguration/fromEnvironment(_:)``), the validation (``apply(_:to:)``,
/// the same for both sources) and the help of `serve` (``helpText``).
///
/// ```swift
/// var configuration = AuditServerConfiguration()
/// let accepted = AuditServerSetting.writerCapacity.apply("5000", to: &configuration)
/// // accepted == true, configuration.writer.capacity == 5000
/// ```
package struct AuditServerSetting: Sendable {
    /// The long flag without its dashes (`writer-capacity`); nil for a setting that is only read
    /// from the environment (the admin key, so that it never shows in the process list).
    package let flag: String?
    /// The environment variable (`AUDITTRAIL_WRITER_CAPACITY`).
    package let variable: String
    /// The value's name in the help (`<n>`); nil for a switch.
    package let valueName: String?
    /// What the setting does, one sentence.
    package let help: String
    /// The rule the text must follow, as errors and the help state it after "must be"
    /// (`an integer from 1 to 100000000`).
    package let rule: String
    /// Whether the value is a secret (the admin key): it is never printed, not even by
    /// ``text(in:)`` (no error prints any setting's value anyway).
    package let isSecret: Bool
    /// The default as the help prints it, read from a default ``AuditServerConfiguration``.
    package let defaultText: String
    private let set: @Sendable (String, inout AuditServerConfiguration) -> Bool
    private let read: @Sendable (AuditServerConfiguration) -> String

    /// A setting whose text is parsed by `rule` and stored at `keyPath`.
    ///
    /// - Parameters:
    ///   - flag: the long flag without dashes, or nil when only the environment sets it.
    ///   - variable: the environment variable.
    ///   - valueName: the value's name in the help; nil makes the flag a switch (`--flag` alone
    ///     means true; `--flag=false` is accepted too).
    ///   - help: one sentence.
    ///   - rule: parses and checks the text.
    ///   - keyPath: where the value goes.
    ///   - defaultText: the default as the help prints it; nil prints the default configuration's
    ///     value through `rule`.
    ///   - isSecret: whether the value must never be shown.
    init<Value>(
        flag: String?,
        variable: String,
        valueName: String?,
        help: String,
        rule: Rule<Value>,
        keyPath: any WritableKeyPath<AuditServerConfiguration, Value> & Sendable,
        defaultText: String? = nil,
        isSecret: Bool = false
    ) {
        self.flag = flag
        self.variable = variable
        self.valueName = valueName
        self.help = help
        self.rule = rule.text
        self.isSecret = isSecret
        self.defaultText = defaultText ?? rule.format(AuditServerConfiguration()[keyPath: keyPath])
        self.read = { rule.format($0[keyPath: keyPath]) }
        self.set = { text, configuration in
            guard let value = rule.parse(text) else { return false }
            configuration[keyPath: keyPath] = value
            return true
        }
    }

    /// `--writer-capacity`, or nil for a setting without a flag.
    package var flagName: String? { flag.map { "--" + $0 } }

    /// Whether the flag is a switch: given alone it means true.
    package var isSwitch: Bool { valueName == nil }

    /// Checks `text` against the rule and, when it holds, stores the value in `configuration`.
    ///
    /// The one validation of the setting, for the flag and for the variable alike.
    /// - Returns: false (and `configuration` unchanged) when `text` breaks the rule.
    package func apply(_ text: String, to configuration: inout AuditServerConfiguration) -> Bool {
        set(text, &configuration)
    }

    /// A default configuration with only this setting read from `environment` (its variable, when
    /// set and not empty): for the CLI's other commands, which share a few of serve's settings
    /// (the data directory, the signing key file, the initial retention window) and must read
    /// them by the same rule.
    ///
    /// ```swift
    /// let directory = try AuditServerSetting.dataDirectory.read(from: environment).dataDirectory
    /// ```
    /// - Throws: `.invalidInput` naming the variable and the rule (never its value).
    package func read(from environment: [String: String]) throws(AuditTrailError) -> AuditServerConfiguration {
        var configuration = AuditServerConfiguration()
        if let text = environment[variable], !text.isEmpty, !apply(text, to: &configuration) {
            let violation = violation(by: variable)
            throw AuditTrailError(.invalidInput, "\(violation.field): \(violation.message)", fieldErrors: [violation])
        }
        return configuration
    }

    /// The setting's value in `configuration`, as the help prints a default (a secret prints as
    /// `(secret)`).
    package func text(in configuration: AuditServerConfiguration) -> String {
        let text = read(configuration)
        return isSecret && text != defaultText ? "(secret)" : text
    }

    /// The error for `text` that broke the rule, naming `source` (the flag or the variable) and
    /// the rule, never the text.
    func violation(by source: String) -> AuditTrailError.FieldError {
        .init(field: source, message: "must be " + rule)
    }

    /// How this setting is written on the command line: `--port <port>`, `--anonymize-ips[=<bool>]`,
    /// or the variable for a setting without a flag.
    package var usage: String {
        guard let flagName else { return variable }
        return flagName + (valueName.map { " <\($0)>" } ?? "[=<bool>]")
    }

    /// The help of `audittrail serve`'s settings, from ``all``: every flag with its variable, its
    /// rule and its default, wrapped to `width` columns.
    ///
    /// ```swift
    /// print(AuditServerSetting.helpText())
    /// // SETTINGS (every flag also has an environment variable; flags win over the
    /// // environment; an empty variable keeps the default):
    /// //   --host <host>  (AUDITTRAIL_HOST)
    /// //       Address to listen on. Value: a host name or IP address (…). Default: 127.0.0.1.
    /// ```
    package static func helpText(width: Int = 78) -> String {
        var lines = [
            "SETTINGS (every flag also has an environment variable; flags win over the",
            "environment; an empty variable keeps the default):",
        ]
        for setting in all {
            let source = setting.flag == nil ? "(environment only)" : "(\(setting.variable))"
            let head = "  \(setting.usage)  \(source)"
            lines += head.count <= width ? [head] : ["  " + setting.usage, "      " + source]
            var text = setting.help
            if setting.isSwitch { text += " Alone it means true." }
            text += " Value: \(setting.rule)."
            text += " Default: \(setting.defaultText)."
            lines += wrap(text, width: width, indent: 6)
        }
        return lines.joined(separator: "\n")
    }

    /// `text` split into lines of at most `width` columns (a longer word keeps its own line),
    /// each indented by `indent` spaces.
    static func wrap(_ text: String, width: Int, indent: Int) -> [String] {
        let margin = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, margin.count + line.count + 1 + word.count > width {
                lines.append(margin + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(margin + line) }
        return lines
    }
}
