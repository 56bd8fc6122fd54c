#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file operations of the daily JSONL log, on POSIX descriptors: naming, listing, reading
/// lines in chunks, appending with `fsync`, and atomic small-file replacement. Every failure is an
/// ``AuditTrailError`` `.storeFailure` naming the operation and `errno`, never the data.
///
/// ```swift
/// let name = AuditJSONLFiles.fileName(day: .now())         // events-2026-12-02.jsonl
/// let days = try AuditJSONLFiles.dayFiles(in: directory)   // oldest first
/// ```
package enum AuditJSONLFiles {
    /// The prefix and suffix of a day file: `events-YYYY-MM-DD.jsonl`.
    package static let prefix = "events-"
    package static let suffix = ".jsonl"

    /// The day file that holds events received at `time` (its UTC day).
    package static func fileName(day time: AuditTime) -> String {
        prefix + String(time.rfc3339.prefix(10)) + suffix
    }

    /// The `YYYY-MM-DD` of a day file's name, or nil when `name` is not one.
    package static func day(of name: String) -> String? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.utf8.count == prefix.utf8.count + 10 + suffix.utf8.count else {
            return nil
        }
        let day = String(name.dropFirst(prefix.count).dropLast(suffix.count))
        let digits = day.utf8.enumerated().allSatisfy { index, byte in
            index == 4 || index == 7 ? byte == UInt8(ascii: "-") : (48...57).contains(byte)
        }
        return digits ? day : nil
    }

    /// The day files in `directory`, oldest first (names sort by day).
    package static func dayFiles(in directory: String) throws(AuditTrailError) -> [String] {
        try entries(in: directory).filter { day(of: $0) != nil }.sorted()
    }

    /// The names in `directory` (without `.` and `..`).
    package static func entries(in directory: String) throws(AuditTrailError) -> [String] {
        guard let handle = opendir(directory) else { throw failure("open the directory") }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// Makes a directory's entries (a created or renamed file) durable.
    package static func syncDirectory(_ directory: String) throws(AuditTrailError) {
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open the directory to sync it") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("sync the directory") }
    }

    /// Whether `path` exists.
    package static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Writes every byte at the descriptor's position (its end, for `O_APPEND`).
    package static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(AuditTrailError) {
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw failure("write the log file") }
            written += count
        }
    }

    /// The whole file, or nil when it does not exist.
    package static func contents(of path: String) throws(AuditTrailError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw failure("open a file to read it")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw failure("read a file") }
            if count == 0 { return bytes }
            bytes += buffer[0..<count]
        }
    }

    /// Replaces `path` with `bytes` atomically and durably (a temporary file, `fsync`, `rename`,
    /// directory sync): after a crash the file holds the old bytes or the new ones.
    package static func replace(_ path: String, with bytes: [UInt8], directory: String) throws(AuditTrailError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, AuditPrivateFiles.fileMode)
        guard fd >= 0 else { throw failure("create a temporary file") }
        do throws(AuditTrailError) {
            guard fchmod(fd, AuditPrivateFiles.fileMode) == 0 else { throw failure("set the mode of a temporary file") }
            try writeAll(fd, bytes)
            guard fsync(fd) == 0 else { throw failure("sync a temporary file") }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw failure("rename a temporary file") }
        try syncDirectory(directory)
    }

    /// Moves `from` to `to` (same file system).
    package static func move(_ from: String, to: String) throws(AuditTrailError) {
        guard rename(from, to) == 0 else { throw failure("rename a log file") }
    }

    /// Removes a file; a missing file is not an error.
    package static func remove(_ path: String) throws(AuditTrailError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw failure("remove a log file") }
    }

    /// Opens `path` for appending (creating it), returning the descriptor; the file's mode is
    /// set to 0600 (``AuditPrivateFiles/fileMode``), whatever the umask or an earlier version made.
    package static func openForAppending(_ path: String) throws(AuditTrailError) -> Int32 {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, AuditPrivateFiles.fileMode)
        guard fd >= 0 else { throw failure("open the day file") }
        guard fchmod(fd, AuditPrivateFiles.fileMode) == 0 else {
            let error = failure("set the mode of the day file")
            close(fd)
            throw error
        }
        return fd
    }

    /// The size of the open file.
    package static func size(_ fd: Int32) throws(AuditTrailError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat the day file") }
        return Int64(info.st_size)
    }

    /// Cuts `path` back to `length` bytes, durably.
    package static func truncate(_ path: String, to length: Int64) throws(AuditTrailError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open a log file to cut it") }
        defer { close(fd) }
        guard ftruncate(fd, off_t(length)) == 0, fsync(fd) == 0 else { throw failure("cut a log file") }
    }

    /// Closes a descriptor.
    package static func closeFile(_ fd: Int32) { _ = close(fd) }

    /// `.storeFailure` for the operation, with `errno`.
    package static func failure(_ operation: String) -> AuditTrailError {
        AuditTrailError(.storeFailure, "cannot \(operation) (errno \(errno))")
    }
}
