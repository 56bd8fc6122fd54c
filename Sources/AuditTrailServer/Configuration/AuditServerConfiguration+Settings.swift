import AuditTrail

extension AuditServerConfiguration {
    /// The environment variables ``fromEnvironment(_:)`` reads.
    public static let environmentVariables: [String] = AuditServerSetting.all.map(\.variable)

    /// Reads the `AUDITTRAIL_*` variables over the defaults, validating each.
    ///
    /// The variables are ``environmentVariables``; each has the rule of its `audittrail serve`
    /// flag, from the one settings table, and `audittrail serve --help` lists them with their
    /// rules and defaults (`AUDITTRAIL_PORT` 0–65535, `AUDITTRAIL_LOG_LEVEL` trace … critical in
    /// any case, and so on). `AUDITTRAIL_ADMIN_KEY` and `AUDITTRAIL_METRICS_KEY` have no flag (a
    /// flag shows in `ps`); their files do (`--admin-key-file`, `--metrics-key-file`). Unset or
    /// empty variables keep the default.
    ///
    /// ```swift
    /// let configuration = try AuditServerConfiguration.fromEnvironment(["AUDITTRAIL_PORT": "9000"])
    /// ```
    /// - Throws: ``AuditTrailError`` with code `invalidInput`, one field error per bad variable
    ///   naming the variable and the rule (never its value).
    public static func fromEnvironment(_ env: [String: String]) throws -> AuditServerConfiguration {
        try fromSettings(arguments: [], environment: env)
    }

    /// Reads `audittrail serve`'s flags over the `AUDITTRAIL_*` variables over the defaults.
    ///
    /// A flag is `--name value` or `--name=value`; a switch (`--anonymize-ips`) alone means true
    /// and takes a value only as `--name=value`. For each setting the flag wins; a variable that a
    /// flag overrides is not read. Each text is checked by its setting's one rule
    /// (``AuditServerSetting/apply(_:to:)``), whichever source it came from. A secret's file
    /// (`--admin-key-file`, `--metrics-key-file`) is read here, and its key checked by the
    /// secret's rule.
    ///
    /// ```swift
    /// let configuration = try AuditServerConfiguration.fromSettings(
    ///     arguments: ["--port", "0", "--port-file", "/tmp/at.port"],
    ///     environment: ProcessInfo.processInfo.environment
    /// )
    /// ```
    /// - Throws: ``AuditTrailError`` with code `invalidInput` and one field error per problem,
    ///   named by the flag (`--writer-capacity`) or the variable (`AUDITTRAIL_WRITER_CAPACITY`):
    ///   a value that breaks its rule, an unknown flag, a flag without its value, an argument
    ///   that follows no flag, a secret's file that cannot be read or holds no key, a secret
    ///   given both in its variable and in a file. Messages state the rule and never a value
    ///   (a file's path, which is not secret, is named).
    package static func fromSettings(arguments: [String], environment: [String: String]) throws(AuditTrailError) -> AuditServerConfiguration {
        var errors: [AuditTrailError.FieldError] = []
        let flags = flagTexts(arguments, errors: &errors)
        var configuration = AuditServerConfiguration()
        var sources: [String: String] = [:]
        for setting in AuditServerSetting.all {
            let source: String
            let text: String
            if let flag = setting.flagName, let given = flags[flag] {
                (source, text) = (flag, given)
            } else if let given = environment[setting.variable], !given.isEmpty {
                (source, text) = (setting.variable, given)
            } else {
                continue
            }
            sources[setting.variable] = source
            if !setting.apply(text, to: &configuration) { errors.append(setting.violation(by: source)) }
        }
        for secret in AuditServerSetting.secretFiles {
            guard let source = sources[secret.file.variable] else { continue }
            if let error = secret.read(into: &configuration, source: source) { errors.append(error) }
        }
        guard errors.isEmpty else {
            let summary = errors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
            throw AuditTrailError(.invalidInput, summary, fieldErrors: errors)
        }
        return configuration
    }

    /// The text each flag in `arguments` was given, by flag name (`--port`); the last one wins
    /// when a flag is repeated. Problems go to `errors`, naming the flag but never a value.
    private static func flagTexts(_ arguments: [String], errors: inout [AuditTrailError.FieldError]) -> [String: String] {
        var texts: [String: String] = [:]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-") else {
                errors.append(.init(field: "argument \(index)", message: "must be a flag (--name value); see audittrail serve --help"))
                continue
            }
            let equals = argument.firstIndex(of: "=")
            let name = String(argument[..<(equals ?? argument.endIndex)])
            guard let setting = AuditServerSetting.all.first(where: { $0.flagName == name }) else {
                errors.append(.init(field: name, message: "is not a flag of audittrail serve; see audittrail serve --help"))
                continue
            }
            if let equals {
                texts[name] = String(argument[argument.index(after: equals)...])
            } else if setting.isSwitch {
                texts[name] = "true"
            } else if index < arguments.endIndex, !arguments[index].hasPrefix("--") {
                texts[name] = arguments[index]
                index += 1
            } else {
                errors.append(.init(field: name, message: "needs a value (\(name) <\(setting.valueName ?? "value")>)"))
            }
        }
        return texts
    }
}
