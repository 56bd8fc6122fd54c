import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import AuditTrailServer
import Foundation
import Logging

extension ExportCommand {
    /// Exports from a data directory with the core ``AuditExporter`` — what `GET /v1/export`
    /// does — recorded as `audit.export` by the operator (`cli:<user>`).
    func exportFromDataDirectory(to destination: ExportDestination) async throws {
        try await withStore(data) { store in
            let path = try signingKeyPath(signingKey, data)
            let signer: AuditSigner
            do {
                signer = try AuditSigner.load(from: path)
            } catch let error as AuditTrailError {
                throw ValidationError(
                    "--signing-key: \(path): \(error.message) (an export is checked against a checkpoint signed with the log's key)"
                )
            }
            // Checkpoints signed now carry the origin of the log's earlier ones.
            let origin: String
            if let latest = try await store.latestCheckpoint(), let note = try? AuditSignedNote(parsing: latest.note),
                let body = try? AuditCheckpoint(body: note.text)
            {
                origin = body.origin
            } else {
                origin = AuditServerConfiguration.defaultOrigin(logID: try await store.logID())
            }
            var logger = Logger(label: "audittrail.cli")
            logger.logLevel = .warning
            let checkpointer = try AuditCheckpointer(store: store, signer: signer, origin: origin, logger: logger)
            let exporter = AuditExporter(store: store, checkpointer: checkpointer, publicKey: signer.publicKey)
            let export: AuditExport
            do {
                export = try await exporter.start(parameters: parameters)
            } catch let error as AuditTrailError {
                throw ValidationError(error.fieldErrors.isEmpty ? "--data-dir: \(error.message)" : cliMessage(error))
            }
            try await export.write(
                to: { chunk in try destination.write(chunk) },
                record: { input in try await recordOperatorEvent(input, in: store) },
                actor: operatorActor(),
                via: "audittrail export --data-dir"
            )
        }
    }
}
