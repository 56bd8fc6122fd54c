import AuditTrail
import Foundation

/// The CLI's memory of what it verified: per log, the newest checkpoint that verified (tree size,
/// root, right edge) and the public key that signed it. The next `verify` proves the log is still
/// an extension of that tree and that the key did not change, so a truncated, rolled-back or
/// re-signed log is caught even when its chain and its remaining checkpoints look whole.
///
/// The file (default `~/.audittrail/verify-state.json`, mode 0600) is JSON:
/// `{"version":1,"logs":{"<log id>":{"origin","tree_size","root_hash","frontier":[…],"public_key","verified_at"}}}`,
/// hashes in standard base64. Entries are keyed by the log id the store generated once.
struct VerifyState {
    struct Entry {
        var origin: String
        var pinned: AuditPinnedCheckpoint
        var publicKey: String?
        var verifiedAt: AuditTime
    }

    var logs: [String: Entry] = [:]

    /// The default location: `$HOME/.audittrail/verify-state.json`.
    static var defaultPath: String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return (home.hasSuffix("/") ? home : home + "/") + ".audittrail/verify-state.json"
    }

    /// Reads the file; a missing file is an empty state, a malformed one an error naming `--state`.
    static func load(from path: String) throws -> VerifyState {
        guard let data = FileManager.default.contents(atPath: path) else { return VerifyState() }
        func bad(_ rule: String) -> AuditTrailError { AuditTrailError.invalid("state", "\(path): \(rule)") }
        guard case .object(let root) = try JSONParser.parse(Array(data)), root["version"]?.int64Value == 1,
            case .object(let logs)? = root["logs"]
        else { throw bad("is not a verify state file (version 1)") }
        var state = VerifyState()
        for (id, value) in logs {
            guard case .object(let entry) = value, let size = entry["tree_size"]?.int64Value, size >= 0,
                let root = entry["root_hash"]?.stringValue.flatMap({ AuditHash(base64: $0) }),
                let frontierHashes = entry["frontier"]?.arrayValue?.map({ $0.stringValue.flatMap { AuditHash(base64: $0) } }),
                let verifiedAt = entry["verified_at"]?.stringValue.flatMap(AuditTime.init(rfc3339:))
            else { throw bad("entry \(id) is malformed") }
            // A frontier hash that is not 32 bytes leaves the frontier unusable (it only names where
            // a rewritten log first differs), as an empty one is.
            let frontier = frontierHashes.allSatisfy { $0 != nil } ? frontierHashes.compactMap { $0 } : []
            state.logs[id] = Entry(
                origin: entry["origin"]?.stringValue ?? "",
                pinned: AuditPinnedCheckpoint(treeSize: size, rootHash: root, frontier: frontier),
                publicKey: entry["public_key"]?.stringValue,
                verifiedAt: verifiedAt
            )
        }
        return state
    }

    /// Writes the file atomically (a temporary file renamed over it), mode 0600, creating its
    /// directory (mode 0700) when missing.
    func save(to path: String) throws {
        var logs: [String: JSONValue] = [:]
        for (id, entry) in self.logs {
            logs[id] = .object([
                "origin": .string(entry.origin),
                "tree_size": .int(entry.pinned.treeSize),
                "root_hash": .string(entry.pinned.rootHash.base64),
                "frontier": .array(entry.pinned.frontier.map { .string($0.base64) }),
                "public_key": entry.publicKey.map(JSONValue.string) ?? .null,
                "verified_at": .string(entry.verifiedAt.rfc3339),
            ])
        }
        let bytes = CanonicalJSON.encode(.object(["version": .int(1), "logs": .object(logs)])) + [0x0A]
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(
                atPath: directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        }
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw AuditTrailError.invalid("state", "\(path): cannot be written")
        }
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw AuditTrailError.invalid("state", "\(path): cannot be replaced (errno \(errno))")
        }
    }
}
