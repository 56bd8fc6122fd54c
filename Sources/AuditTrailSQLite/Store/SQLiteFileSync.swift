import AuditTrail
import Logging
import NIOPosix
import SQLiteNIO
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Descriptors of the database and WAL files, opened once and kept until the store's connections
/// are closed, used only to `fsync` them. (Closing any descriptor of a file drops every POSIX lock
/// this process holds on it — SQLite's included — so they must not be opened and closed per sync.)
final class SQLiteFileSync: Sendable {
    private let paths: [String]
    private let descriptors = Mutex<[Int32]?>(nil)

    init(paths: [String]) { self.paths = paths }

    /// `fsync`s the files on a thread of `pool` (the files must exist: the store is open).
    func sync(on pool: NIOThreadPool) async throws {
        let paths = self.paths
        let fds = try descriptors.withLock { fds -> [Int32] in
            if let fds { return fds }
            var opened: [Int32] = []
            for path in paths {
                let fd = open(path, O_RDONLY)
                guard fd >= 0 else {
                    for fd in opened { _ = close(fd) }
                    throw AuditTrailError(.storeFailure, "cannot open a store file to sync it (errno \(errno))")
                }
                opened.append(fd)
            }
            fds = opened
            return opened
        }
        try await pool.runIfActive {
            for fd in fds where fsync(fd) != 0 {
                throw AuditTrailError(.storeFailure, "fsync of a store file failed (errno \(errno))")
            }
        }
    }

    /// Closes the descriptors (after every SQLite connection to the files is closed).
    func closeFiles() {
        let fds = descriptors.withLock { fds -> [Int32] in
            defer { fds = nil }
            return fds ?? []
        }
        for fd in fds { _ = close(fd) }
    }
}
