#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a secret (an API key) from a file, so that it never has to be on a command line, where
/// every user sees it in `ps`: the one reader behind `--api-key-file`, `--admin-key-file`,
/// `--metrics-key-file` and their `AUDITTRAIL_*_FILE` variables.
///
/// The secret is the file's first line without surrounding white space (a trailing newline, a
/// `\r\n` from another editor); it must be printable ASCII without spaces. The file is read up to
/// ``sizeLimit`` bytes.
///
/// ```swift
/// let key = try AuditSecretFile.load("/run/secrets/audittrail-admin")
/// ```
package enum AuditSecretFile {
    /// The largest file read (a key is 40-odd characters).
    package static let sizeLimit = 4096

    /// The secret in `path`.
    ///
    /// - Throws: ``AuditTrailError`` `.invalidInput` whose message (to follow the option's name)
    ///   says what is wrong and names the file, never its contents: `cannot read FILE (errno 2)`,
    ///   `FILE holds no key`, `FILE is larger than 4096 bytes; it must hold one key`, `the key in
    ///   FILE must be printable ASCII without spaces`.
    package static func load(_ path: String) throws(AuditTrailError) -> String {
        let bytes = try contents(path)
        let line = bytes.split(whereSeparator: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }).first ?? []
        let key = line.drop(while: isBlank).reversed().drop(while: isBlank).reversed()
        guard !key.isEmpty else { throw AuditTrailError(.invalidInput, "\(path) holds no key") }
        guard key.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw AuditTrailError(.invalidInput, "the key in \(path) must be printable ASCII without spaces")
        }
        return String(decoding: key, as: UTF8.self)
    }

    /// At most ``sizeLimit`` bytes of `path`.
    private static func contents(_ path: String) throws(AuditTrailError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AuditTrailError(.invalidInput, "cannot read \(path) (errno \(errno))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: sizeLimit + 1)
        while bytes.count <= sizeLimit {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, sizeLimit + 1 - bytes.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw AuditTrailError(.invalidInput, "cannot read \(path) (errno \(errno))") }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        guard bytes.count <= sizeLimit else {
            throw AuditTrailError(.invalidInput, "\(path) is larger than \(sizeLimit) bytes; it must hold one key")
        }
        return bytes
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
}
