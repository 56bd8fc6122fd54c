#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a day file's lines in 1 MiB chunks from a byte offset, so memory stays bounded on a
/// file of any size. A last line without its `\n` is not a line: it is a torn write (an append
/// that never finished, so never acknowledged), reported by its length.
///
/// ```swift
/// let end = try AuditJSONLLines.scan(path, from: 0) { line, start in
///     print(start, line.count)
///     return true                                   // false stops the walk
/// }
/// print(end.complete, end.tornBytes)
/// ```
package enum AuditJSONLLines {
    /// Where a walk ended: the offset after the last complete line it read, and the bytes after
    /// that offset that do not end in `\n` (only when the walk reached the end of the file).
    package struct End: Sendable, Hashable {
        package var complete: Int64
        package var tornBytes: Int
    }

    /// The most bytes one line may have (the export format's limit).
    package static let maximumLineBytes = AuditExportFormat.maximumLineBytes

    /// Calls `body` with each complete line (without `\n`) and its start offset, from `offset`
    /// on, until it returns false or the file ends.
    @discardableResult
    package static func scan(
        _ path: String,
        from offset: Int64,
        _ body: (_ line: [UInt8], _ start: Int64) throws -> Bool
    ) throws -> End {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AuditJSONLFiles.failure("open a log file to read it") }
        defer { close(fd) }
        guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else { throw AuditJSONLFiles.failure("seek in a log file") }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var pending: [UInt8] = []
        var position = offset
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw AuditJSONLFiles.failure("read a log file") }
            if count == 0 { return End(complete: position, tornBytes: pending.count) }
            var start = 0
            while let newline = buffer[start..<count].firstIndex(of: 0x0A) {
                let line: [UInt8]
                if pending.isEmpty {
                    line = Array(buffer[start..<newline])
                } else {
                    line = pending + buffer[start..<newline]
                    pending.removeAll(keepingCapacity: true)
                }
                let lineStart = position
                position += Int64(line.count + 1)
                guard try body(line, lineStart) else { return End(complete: position, tornBytes: 0) }
                start = newline + 1
            }
            pending += buffer[start..<count]
            guard pending.count <= maximumLineBytes else {
                throw AuditTrailError(.storeFailure, "a line of a log file is longer than \(maximumLineBytes) bytes")
            }
        }
    }

    /// The seq, chain hash and canonical bytes of an event line, or nil when it is not one (a
    /// line ending in `,"hash":"<64 hex>"}` whose bytes carry a seq).
    package static func event(_ line: [UInt8]) -> AuditStoredEvent? {
        guard let (canonical, hash) = AuditExportFormat.splitEventLine(line), let seq = AuditChain.embeddedSeq(in: canonical) else {
            return nil
        }
        return AuditStoredEvent(seq: seq, id: "", canonical: canonical, hash: hash)
    }
}
