import AuditTrail
import Logging

extension AuditServer {
    /// The checkpoint signer and the service that uses it.
    ///
    /// The key is ``AuditServerConfiguration/signingKeyFile`` when set (it must exist), otherwise
    /// `signing.key` in the data directory, generated with mode 0600 on first start and named
    /// after the log's origin (the default origin when the configured one has spaces or '+'). The origin is ``AuditServerConfiguration/logOrigin`` or
    /// `audittrail/<log id>`.
    static func makeCheckpointer(
        configuration: AuditServerConfiguration,
        store: any AuditCheckpointStore,
        logger: Logger
    ) async throws -> (AuditCheckpointer, AuditSigner) {
        let defaultOrigin = AuditServerConfiguration.defaultOrigin(logID: try await store.logID())
        let origin = configuration.logOrigin ?? defaultOrigin
        let signer: AuditSigner
        if let path = configuration.signingKeyFile {
            signer = try AuditSigner.load(from: path)
        } else {
            // A key name has no spaces or '+'; an origin may.
            let name = origin.contains(where: { $0 == "+" || $0.isWhitespace }) ? defaultOrigin : origin
            signer = try AuditSigner.loadOrCreate(at: configuration.resolvedSigningKeyFile, name: name)
        }
        let checkpointer = try AuditCheckpointer(
            store: store,
            signer: signer,
            origin: origin,
            configuration: configuration.checkpoint,
            logger: logger
        )
        logger.info(
            "audit checkpoints signed",
            metadata: [
                "audit.checkpoint.origin": "\(origin)", "audit.checkpoint.key": "\(signer.publicKey.text)",
            ]
        )
        return (checkpointer, signer)
    }
}
