import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The POSIX file operations of the spool, each turning `errno` into an ``AuditClientError``
/// naming the file: append, fsync (of files and of the directory that names them), positioned
/// reads, truncation and atomic replacement.
enum AuditSpoolFiles {
    static func failure(_ what: String, _ path: String) -> AuditClientError {
        AuditClientError(.spoolFailure, "cannot \(what) \(path): \(String(cString: strerror(errno)))")
    }

    /// `close(fd)`, named apart from ``AuditClientSpool/close()``.
    static func closeDescriptor(_ fd: Int32) {
        _ = close(fd)
    }

    /// Opens `path` for appending (and reading, for recovery), creating it (mode 0600) when missing.
    static func openForAppend(_ path: String) throws(AuditClientError) -> Int32 {
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("open", path) }
        return fd
    }

    /// Opens `path` for reading, or nil when it does not exist.
    static func openForReading(_ path: String) throws(AuditClientError) -> Int32? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw failure("open", path)
        }
        return fd
    }

    /// Writes all of `bytes` to `fd`; a short or failed write is undone with `ftruncate` back to
    /// `offset`, so no torn line is left in the middle of a file.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int64, path: String) throws(AuditClientError) {
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                let error = failure("write", path)
                _ = ftruncate(fd, off_t(offset))
                throw error
            }
            written += n
        }
    }

    /// `fsync(fd)`.
    static func sync(_ fd: Int32, path: String) throws(AuditClientError) {
        guard fsync(fd) == 0 else { throw failure("fsync", path) }
    }

    /// `fsync(fd)` on a thread of NIO's pool for blocking work. An fsync takes milliseconds (tens
    /// while the disk is busy), and on Swift's cooperative pool — one thread per core, shared with
    /// the app's request handlers — it would hold a core's worth of tasks up all that time.
    static func syncOffCooperativePool(_ fd: Int32, path: String) async throws(AuditClientError) {
        let code: Int32
        do {
            code = try await NIOThreadPool.singleton.runIfActive { fsync(fd) == 0 ? 0 : errno }
        } catch {
            throw AuditClientError(.spoolFailure, "cannot fsync \(path): \(error)")
        }
        guard code == 0 else { throw AuditClientError(.spoolFailure, "cannot fsync \(path): \(String(cString: strerror(code)))") }
    }

    /// fsyncs the directory, so that files created, renamed or removed in it stay so after a crash.
    static func syncDirectory(_ path: String) throws(AuditClientError) {
        let fd = try openDirectory(path)
        defer { close(fd) }
        try sync(fd, path: path)
    }

    /// ``syncDirectory(_:)`` off the cooperative pool.
    static func syncOffCooperativePool(path: String) async throws(AuditClientError) {
        let fd = try openDirectory(path)
        defer { close(fd) }
        try await syncOffCooperativePool(fd, path: path)
    }

    private static func openDirectory(_ path: String) throws(AuditClientError) -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open the directory", path) }
        return fd
    }

    /// The size of the file `fd`.
    static func size(_ fd: Int32, path: String) throws(AuditClientError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat", path) }
        return Int64(info.st_size)
    }

    /// Up to `count` bytes of `fd` from `offset` (fewer at the end of the file).
    static func read(_ fd: Int32, at offset: Int64, count: Int, path: String) throws(AuditClientError) -> [UInt8] {
        var failed: AuditClientError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(AuditClientError) {
                initialized = try read(fd, at: offset, into: UnsafeMutableRawBufferPointer(buffer), path: path)
            } catch {
                failed = error
            }
        }
        if let failed { throw failed }
        return bytes
    }

    /// Fills `buffer` from `offset` of `fd` and returns how many bytes it read: fewer than
    /// `buffer.count` only at the end of the file. Nothing is zeroed or copied first (reading a
    /// spool segment is the sender's hot path).
    static func read(_ fd: Int32, at offset: Int64, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(AuditClientError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var filled = 0
        while filled < buffer.count {
            let n = pread(fd, base + filled, buffer.count - filled, off_t(offset) + off_t(filled))
            if n < 0, errno == EINTR { continue }
            // errno now, before anything else can change it.
            if n < 0 { throw failure("read", path) }
            if n == 0 { break }
            filled += n
        }
        return filled
    }

    /// The whole file at `path`, or nil when it does not exist.
    static func readFile(_ path: String) throws(AuditClientError) -> [UInt8]? {
        guard let fd = try openForReading(path) else { return nil }
        defer { close(fd) }
        return try read(fd, at: 0, count: Int(size(fd, path: path)), path: path)
    }

    /// Replaces the file at `path` with `bytes` atomically: a temporary file is written, renamed
    /// over `path`; with `durable` the file is fsynced before the rename and the directory after.
    static func replace(_ path: String, with bytes: [UInt8], directory: String, durable: Bool = true) throws(AuditClientError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("create", temporary) }
        do throws(AuditClientError) {
            try writeAll(fd, bytes, at: 0, path: temporary)
            if durable { try sync(fd, path: temporary) }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw failure("rename to", path) }
        if durable { try syncDirectory(directory) }
    }

    /// Takes an exclusive `flock` on `path` (created when missing) and keeps the descriptor open:
    /// a second client on the same spool fails here instead of interleaving lines. The kernel
    /// drops the lock when the process dies, even by SIGKILL.
    ///
    /// A lock that is taken is tried again for up to `patience`: a child this process forks
    /// (any thread's) shares the lock's open file until it execs, so a spool just closed can
    /// look held for a moment (a test run that spawns servers met this).
    static func lockExclusively(_ path: String, patience: Duration = .seconds(2)) throws(AuditClientError) -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("open", path) }
        let deadline = ContinuousClock.now + patience
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, ContinuousClock.now < deadline else {
                close(fd)
                throw AuditClientError(.spoolFailure, "the spool \(path) is in use by another client (flock)")
            }
            usleep(10_000)
        }
        return fd
    }
}
