/// What a server that has just started listening reports to its embedder: where it listens, and
/// whether it still lacks an admin key (a first start), so that a command line can say how to
/// create one.
///
/// ```swift
/// let app = try await buildAuditApplication(configuration: configuration, logger: logger) { started in
///     print("listening on \(started.address.url)")
///     if started.needsAdminKey { print("no admin key yet: audittrail keys create --role admin") }
/// }
/// ```
public struct AuditServerStarted: Sendable, Hashable {
    /// The address the server is bound to (with port 0, the port it picked).
    public var address: AuditServerAddress
    /// The data directory, as configured.
    public var dataDirectory: String
    /// True when no admin key is stored and none is given in `AUDITTRAIL_ADMIN_KEY`: nobody can
    /// manage keys through the API until one is created with `audittrail keys create --role admin`.
    public var needsAdminKey: Bool
    /// True when the server speaks HTTPS (`--tls-cert` and `--tls-key`).
    public var usesTLS: Bool
    /// True when the log is in PostgreSQL (``AuditServerConfiguration/database``), not in the data directory.
    public var usesDatabase: Bool

    public init(address: AuditServerAddress, dataDirectory: String, needsAdminKey: Bool, usesTLS: Bool = false, usesDatabase: Bool = false) {
        self.address = address
        self.dataDirectory = dataDirectory
        self.needsAdminKey = needsAdminKey
        self.usesTLS = usesTLS
        self.usesDatabase = usesDatabase
    }

    /// `http://127.0.0.1:8080`, or `https://…` when the server speaks TLS.
    public var url: String { (usesTLS ? "https://" : "http://") + address.description }
}
