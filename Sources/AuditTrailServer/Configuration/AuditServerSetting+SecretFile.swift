import AuditTrail

extension AuditServerSetting {
    /// A secret of the server that has no flag (a flag would show it in `ps`): it comes from its
    /// environment variable or from a file named by its `…-file` setting, never both.
    ///
    /// ```swift
    /// // audittrail serve --admin-key-file /run/secrets/admin
    /// let error = AuditServerSetting.secretFiles[0].read(into: &configuration, source: "--admin-key-file")
    /// ```
    package struct SecretFile: Sendable {
        /// The secret's own setting (environment only).
        package let secret: AuditServerSetting
        /// The setting naming the file that holds it.
        package let file: AuditServerSetting
        let path: any KeyPath<AuditServerConfiguration, String?> & Sendable
        let value: any KeyPath<AuditServerConfiguration, String?> & Sendable

        /// Reads the file named in `configuration` (if any) into the secret, checked by the
        /// secret's rule.
        ///
        /// - Parameter source: how the file was named (`--admin-key-file` or
        ///   `AUDITTRAIL_ADMIN_KEY_FILE`), for the error.
        /// - Returns: the error naming `source`: the secret given both ways, a file that cannot be
        ///   read or holds no key, a key that breaks the rule (never the key); nil when fine.
        package func read(into configuration: inout AuditServerConfiguration, source: String) -> AuditTrailError.FieldError? {
            guard let path = configuration[keyPath: path] else { return nil }
            guard configuration[keyPath: value] == nil else {
                return .init(field: source, message: "give either \(secret.variable) or \(source), not both")
            }
            let text: String
            do {
                text = try AuditSecretFile.load(path)
            } catch {
                return .init(field: source, message: error.message)
            }
            guard secret.apply(text, to: &configuration) else {
                return .init(field: source, message: "must hold a key of " + secret.rule)
            }
            return nil
        }
    }

    /// The secrets that can be given in a file.
    package static let secretFiles: [SecretFile] = [
        SecretFile(secret: adminKey, file: adminKeyFile, path: \.adminKeyFile, value: \.adminKey),
        SecretFile(secret: metricsKey, file: metricsKeyFile, path: \.metricsKeyFile, value: \.metricsKey),
    ]
}
