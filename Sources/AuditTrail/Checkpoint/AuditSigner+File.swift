#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The private key file: one line, the ``AuditSigner/privateKeyText`` form
/// (`PRIVATE+KEY+<name>+<hash hex>+<base64(0x01 ‖ seed)>`), mode 0600.
extension AuditSigner {
    /// Reads a private key file.
    ///
    /// - Throws: ``AuditTrailError`` `.notFound` when the file does not exist, `.invalidInput` when
    ///   it is not a key, `.conflict` when group or others may read it.
    public static func load(from path: String) throws(AuditTrailError) -> AuditSigner {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code: AuditTrailError.Code = errno == ENOENT ? .notFound : .storeFailure
            throw AuditTrailError(code, "cannot open the signing key file (errno \(errno))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw AuditTrailError(.storeFailure, "cannot stat the signing key file") }
        guard info.st_mode & 0o077 == 0 else {
            throw AuditTrailError(.conflict, "the signing key file must not be readable by group or others (chmod 600)")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count >= 0 else { throw AuditTrailError(.storeFailure, "cannot read the signing key file") }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
            guard bytes.count <= 4096 else { throw AuditTrailError.invalid("private_key", "key file is too large") }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw AuditTrailError.invalid("private_key", "key file is not UTF-8")
        }
        return try AuditSigner(privateKeyText: text)
    }

    /// Writes the key to a new file with mode 0600. Never overwrites an existing file.
    public func save(to path: String) throws(AuditTrailError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code: AuditTrailError.Code = errno == EEXIST ? .conflict : .storeFailure
            throw AuditTrailError(code, "cannot create the signing key file (errno \(errno))")
        }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0 else { throw AuditTrailError(.storeFailure, "cannot set the key file mode") }
        let bytes = Array((privateKeyText + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { throw AuditTrailError(.storeFailure, "cannot write the signing key file") }
            written += count
        }
        guard fsync(fd) == 0 else { throw AuditTrailError(.storeFailure, "cannot sync the signing key file") }
    }

    /// Loads the key at `path`, or generates one named `name` and saves it there (mode 0600) when
    /// the file does not exist — the first start of a server.
    public static func loadOrCreate(at path: String, name: String) throws(AuditTrailError) -> AuditSigner {
        do {
            return try load(from: path)
        } catch  where error.code == .notFound {
            let signer = try generate(name: name)
            try signer.save(to: path)
            return signer
        }
    }
}
