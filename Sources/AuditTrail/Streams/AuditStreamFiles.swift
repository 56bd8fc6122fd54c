#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A stream's destination that writes each batch as one file (``AuditStreamBatch/fileName``) in
/// a directory: to a hidden temporary file (mode 0600), synced, renamed into place, and the
/// directory synced — so a file that exists is whole, and a batch counts as delivered only once
/// it is on disk. A batch written again after a crash replaces its file. Beyond `keep` files the
/// oldest are removed (0: every file is kept).
///
/// The files of a `jsonl` stream are checked in order with
/// `audittrail verify --stream-batch DIR/audittrail-*.jsonl`.
public struct AuditStreamFiles: AuditStreamDestination {
    /// The directory written to.
    public let directory: String
    /// How many files to keep (0: all).
    public let keep: Int

    public init(directory: String, keep: Int) {
        self.directory = directory
        self.keep = keep
    }

    /// Whether `name` is a relative path of safe names (letters, digits, `.`, `_`, `-`), none of
    /// them `.` or `..`.
    public static func isValidDirectoryName(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return !name.hasPrefix("/")
            && parts.allSatisfy { part in
                !part.isEmpty && part != "." && part != ".."
                    && part.unicodeScalars.allSatisfy {
                        ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._-".unicodeScalars.contains($0)
                    }
            }
    }

    public func deliver(_ batch: AuditStreamBatch) async throws {
        try AuditPrivateFiles.makeDirectory(directory, logger: nil)
        let final = directory + "/" + batch.fileName
        let partial = directory + "/." + batch.fileName + ".partial"
        try Self.writeSynced(batch.bytes, to: partial)
        guard rename(partial, final) == 0 else { throw Self.failure("rename into place", final) }
        try Self.syncDirectory(directory)
        if keep > 0 { try prune() }
    }

    /// Removes the oldest batch files beyond ``keep``.
    func prune() throws {
        let names = try Self.batchFiles(in: directory)
        guard names.count > keep else { return }
        for name in names.prefix(names.count - keep) { unlink(directory + "/" + name) }
    }

    /// The batch files in `directory`, oldest first (their names sort in seq order).
    public static func batchFiles(in directory: String) throws -> [String] {
        guard let dir = opendir(directory) else { throw failure("list", directory) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix("audittrail-") { names.append(name) }
        }
        return names.sorted()
    }

    static func writeSynced(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, AuditPrivateFiles.fileMode)
        guard fd >= 0 else { throw failure("create", path) }
        defer { close(fd) }
        guard fchmod(fd, AuditPrivateFiles.fileMode) == 0 else { throw failure("set the mode of", path) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            written += n
        }
        guard fsync(fd) == 0 else { throw failure("sync", path) }
    }

    static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", directory) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("sync", directory) }
    }

    static func failure(_ step: String, _ path: String) -> AuditTrailError {
        AuditTrailError(.storeFailure, "stream files: could not \(step) \(path): \(String(cString: strerror(errno)))")
    }
}
