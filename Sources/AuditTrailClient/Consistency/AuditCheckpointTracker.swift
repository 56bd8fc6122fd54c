import AuditTrail
import Synchronization

/// Proves that the server's log only grows: remembers the newest checkpoint seen (in a file of
/// the spool directory, so a restart keeps it), and checks each newer one — its signature
/// against the configured key when there is one, and an RFC 6962 consistency proof from the
/// remembered tree size to the new one, with the core's ``AuditTrail/AuditMerkle`` verification.
///
/// A truncated or rolled-back log, a log replaced by another one (a different origin or roots
/// that do not extend), or a checkpoint not signed by the key throws; the remembered checkpoint
/// is then kept, so every later check fails too until someone looks.
///
/// ```swift
/// let tracker = AuditCheckpointTracker(file: spoolDirectory + "/checkpoint.json", publicKey: key)
/// let checkpoint = try await tracker.check(using: connection)
/// ```
public final class AuditCheckpointTracker: Sendable {
    /// The checkpoint remembered between checks.
    public struct Remembered: Sendable, Hashable {
        /// The log's origin line (`audittrail/<log id>`).
        public var origin: String
        /// Its tree size and root.
        public var pinned: AuditPinnedCheckpoint
    }

    /// The file the remembered checkpoint is kept in.
    public let file: String
    /// The key checkpoints must be signed by; nil checks only consistency.
    public let publicKey: AuditSignerPublicKey?
    private let remembered: Mutex<Remembered?>

    /// A tracker keeping its state in `file` (read now; a missing file means nothing seen yet).
    ///
    /// - Throws: ``AuditClientError/Code/spoolFailure`` when the file exists but cannot be read.
    public init(file: String, publicKey: AuditSignerPublicKey?) throws(AuditClientError) {
        self.file = file
        self.publicKey = publicKey
        var loaded: Remembered?
        if let bytes = try AuditSpoolFiles.readFile(file) {
            let object = (try? JSONParser.parse(bytes))?.objectValue
            guard let origin = object?["origin"]?.stringValue, let size = object?["tree_size"]?.int64Value,
                let root = object?["root_hash"]?.stringValue.flatMap({ AuditHash(base64: $0) })
            else { throw AuditClientError(.spoolFailure, "the checkpoint file \(file) is not {origin, tree_size, root_hash}") }
            loaded = Remembered(origin: origin, pinned: AuditPinnedCheckpoint(treeSize: size, rootHash: root))
        }
        remembered = Mutex(loaded)
    }

    /// The newest checkpoint seen and verified, or nil.
    public var current: Remembered? { remembered.withLock { $0 } }

    /// Fetches `/v1/checkpoints/latest`, verifies it against the remembered one and remembers it;
    /// returns it, or nil when the server has signed none yet.
    ///
    /// - Throws: ``AuditClientError/Code/badSignature``, ``AuditClientError/Code/inconsistentLog``,
    ///   or the request's error.
    @discardableResult
    public func check(using connection: AuditServerConnection) async throws(AuditClientError) -> AuditCheckpoint? {
        let response = try await connection.get("/v1/checkpoints/latest")
        if response.status == 404 { return nil }
        guard let note = try response.requireSuccess("GET /v1/checkpoints/latest").json()["note"]?.stringValue else {
            throw AuditClientError(.invalidResponse, "GET /v1/checkpoints/latest: the answer has no signed note")
        }
        let checkpoint: AuditCheckpoint
        do throws(AuditTrailError) {
            if let publicKey {
                checkpoint = try AuditCheckpoint(note: note, verifier: publicKey)
            } else {
                checkpoint = try AuditCheckpoint(body: AuditSignedNote(parsing: note).text)
            }
        } catch {
            let code: AuditClientError.Code = error.code == .tampered ? .badSignature : .invalidResponse
            throw AuditClientError(code, "the newest checkpoint does not verify: \(error.message)")
        }
        if let old = current {
            try await verifyExtension(of: old, by: checkpoint, using: connection)
        }
        let next = Remembered(origin: checkpoint.origin, pinned: AuditPinnedCheckpoint(treeSize: checkpoint.size, rootHash: checkpoint.rootHash))
        let text: JSONValue = .object([
            "origin": .string(next.origin), "tree_size": .int(next.pinned.treeSize), "root_hash": .string(next.pinned.rootHash.base64),
        ])
        let directory = String(file.prefix(upTo: file.lastIndex(of: "/") ?? file.startIndex))
        try AuditSpoolFiles.replace(file, with: CanonicalJSON.encode(text) + [0x0A], directory: directory.isEmpty ? "." : directory)
        remembered.withLock { $0 = next }
        return checkpoint
    }

    /// Checks that `checkpoint` extends `old`: the same origin, no smaller tree, and a
    /// consistency proof from the server that the core verifies against both roots.
    private func verifyExtension(
        of old: Remembered,
        by checkpoint: AuditCheckpoint,
        using connection: AuditServerConnection
    ) async throws(AuditClientError) {
        let from = old.pinned.treeSize
        guard old.origin == checkpoint.origin else {
            throw AuditClientError(.inconsistentLog, "the server now serves the log \(checkpoint.origin), not \(old.origin) seen before")
        }
        guard from <= checkpoint.size else {
            throw AuditClientError(
                .inconsistentLog,
                "tree size \(from) was seen before, but the newest checkpoint is at \(checkpoint.size) (truncated)"
            )
        }
        guard from > 0 else { return }
        var proof: [JSONValue] = []
        if from < checkpoint.size {
            let path = "/v1/proofs/consistency?from=\(from)&to=\(checkpoint.size)"
            proof = try await connection.get(path).requireSuccess("GET /v1/proofs/consistency").json()["proof"]?.arrayValue ?? []
        }
        do throws(AuditTrailError) {
            try old.pinned.verifyExtension(by: checkpoint, proof: proof)
        } catch {
            throw AuditClientError(.inconsistentLog, "the log is not an extension of tree size \(from) seen before: \(error.message)")
        }
    }
}
