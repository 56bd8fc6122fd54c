import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Modes for everything that holds events or keys: directories 0700, files 0600, set exactly
/// (`fchmod`/`chmod` after creation, so the process's umask neither loosens nor narrows them).
///
/// A data directory, store file, JSONL log or spool that already exists with looser modes (from
/// an earlier version, a copy, a `chmod`) is **tightened**, with a warning naming the path and
/// both modes: the log's confidentiality should not depend on how the directory was made, and a
/// warning alone is easy to miss. Parents created on the way (`mkdir -p`) get 0755, as `mkdir -p`
/// gives them; the leaf keeps others out.
///
/// ```swift
/// try AuditPrivateFiles.makeDirectory("data", logger: logger)          // drwx------
/// try AuditPrivateFiles.prepareFile("data/audit.sqlite", logger: logger) // -rw-------
/// ```
package enum AuditPrivateFiles {
    /// The mode of a private directory.
    package static let directoryMode: mode_t = 0o700
    /// The mode of a private file.
    package static let fileMode: mode_t = 0o600

    /// Creates `directory` (and missing parents) with ``directoryMode``, or tightens an existing
    /// one that group or others may use.
    ///
    /// - Throws: ``AuditTrailError`` `.storeFailure` naming the step, with `errno`.
    package static func makeDirectory(_ directory: String, logger: Logger?) throws(AuditTrailError) {
        let components = directory.split(separator: "/")
        var path = directory.hasPrefix("/") ? "/" : ""
        for (index, component) in components.enumerated() {
            path += (path.isEmpty || path.hasSuffix("/") ? "" : "/") + component
            let isLeaf = index == components.count - 1
            if mkdir(path, isLeaf ? directoryMode : 0o755) == 0 {
                if isLeaf, chmod(path, directoryMode) != 0 { throw failure("set the mode of the directory", path) }
            } else if errno != EEXIST {
                throw failure("create the directory", path)
            }
        }
        try tighten(directory, to: directoryMode, logger: logger)
    }

    /// Creates `path` empty with ``fileMode`` when it does not exist, or tightens it when group or
    /// others may read it.
    package static func prepareFile(_ path: String, logger: Logger?) throws(AuditTrailError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if fd >= 0 {
            defer { close(fd) }
            guard fchmod(fd, fileMode) == 0 else { throw failure("set the mode of", path) }
            return
        }
        guard errno == EEXIST else { throw failure("create", path) }
        try tighten(path, to: fileMode, logger: logger)
    }

    /// Tightens `path`, when it exists, to `mode` if group or others have any right to it.
    package static func tighten(_ path: String, to mode: mode_t, logger: Logger?) throws(AuditTrailError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw failure("stat", path)
        }
        let current = info.st_mode & 0o777
        guard current & 0o077 != 0 else { return }
        guard chmod(path, mode) == 0 else { throw failure("tighten the mode of", path) }
        logger?.warning(
            "tightened the mode of a file that others could read",
            metadata: ["audit.path": "\(path)", "audit.mode.old": "\(octal(current))", "audit.mode.new": "\(octal(mode))"]
        )
    }

    /// `0755` for 0o755.
    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return "0" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    /// `.storeFailure` for the step on `path`, with `errno`.
    static func failure(_ step: String, _ path: String) -> AuditTrailError {
        AuditTrailError(.storeFailure, "cannot \(step) \(path) (errno \(errno))")
    }
}
