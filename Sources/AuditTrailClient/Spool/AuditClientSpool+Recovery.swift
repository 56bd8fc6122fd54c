import AuditTrail
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening a spool after a clean stop or a crash.
extension AuditClientSpool {
    struct Recovered {
        var lockFD: Int32
        var fd: Int32
        var end: Position
        var acknowledged: Position
        var pendingBytes: Int64
    }

    /// The name of the acknowledgement file.
    static let acknowledgementFileName = "ack"

    /// Locks the directory, reads the acknowledgement, deletes segments wholly before it (a crash
    /// between writing it and deleting them), drops a torn last line in every segment, and opens
    /// the last segment for appending.
    static func recover(configuration: Configuration, logger: Logger) throws(AuditClientError) -> Recovered {
        let directory = configuration.directory
        do {
            try AuditPrivateFiles.makeDirectory(directory, logger: logger)
        } catch {
            throw AuditClientError(.spoolFailure, "cannot create the spool directory \(directory): \(error.message)")
        }
        let lockFD = try AuditSpoolFiles.lockExclusively(directory + "/spool.lock")
        do throws(AuditClientError) {
            let ackPath = directory + "/" + acknowledgementFileName
            var acknowledged = Position(segment: 0, offset: 0)
            if let bytes = try AuditSpoolFiles.readFile(ackPath) {
                guard let position = Position(fileText: String(decoding: bytes, as: UTF8.self)) else {
                    throw AuditClientError(.spoolFailure, "the acknowledgement file \(ackPath) is not `<segment> <offset>`")
                }
                acknowledged = position
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            var segments = names.compactMap(segmentNumber).sorted()
            if acknowledged == Position(segment: 0, offset: 0), let first = segments.first { acknowledged.segment = first }
            for segment in segments where segment < acknowledged.segment {
                unlink(directory + "/" + segmentName(segment))
            }
            segments.removeAll { $0 < acknowledged.segment }
            let last = segments.last ?? acknowledged.segment
            let lastPath = directory + "/" + segmentName(last)
            let fd = try AuditSpoolFiles.openForAppend(lastPath)
            do throws(AuditClientError) {
                let size = try dropTornLine(fd, path: lastPath, logger: logger)
                try AuditSpoolFiles.sync(fd, path: lastPath)
                if segments.isEmpty { try AuditSpoolFiles.syncDirectory(directory) }
                var pending: Int64 = size
                // A rotation does not wait for the disk, so any segment not yet fsynced when the
                // machine went down may end in a torn line, not only the last.
                for segment in segments.dropLast() {
                    let path = directory + "/" + segmentName(segment)
                    guard FileManager.default.fileExists(atPath: path) else { continue }
                    let earlier = try AuditSpoolFiles.openForAppend(path)
                    defer { AuditSpoolFiles.closeDescriptor(earlier) }
                    let kept = try dropTornLine(earlier, path: path, logger: logger)
                    try AuditSpoolFiles.sync(earlier, path: path)
                    pending += kept
                }
                if acknowledged.segment == last { acknowledged.offset = min(acknowledged.offset, size) }
                pending -= acknowledged.offset
                let end = Position(segment: last, offset: size)
                if pending > 0 {
                    logger.notice(
                        "audit client spool resumes",
                        metadata: ["audit.spool.acknowledged": "\(acknowledged)", "audit.spool.pending_bytes": "\(pending)"]
                    )
                }
                return Recovered(lockFD: lockFD, fd: fd, end: end, acknowledged: acknowledged, pendingBytes: max(0, pending))
            } catch {
                AuditSpoolFiles.closeDescriptor(fd)
                throw error
            }
        } catch {
            AuditSpoolFiles.closeDescriptor(lockFD)
            throw error
        }
    }

    /// Truncates the file after its last newline (a line without one was being written when the
    /// process died: its fsync never returned, so no caller was told it was durable); returns the
    /// size kept.
    static func dropTornLine(_ fd: Int32, path: String, logger: Logger) throws(AuditClientError) -> Int64 {
        let size = try AuditSpoolFiles.size(fd, path: path)
        var keep = size
        let chunk: Int64 = 64 << 10
        while keep > 0 {
            let start = max(0, keep - chunk)
            let bytes = try AuditSpoolFiles.read(fd, at: start, count: Int(keep - start), path: path)
            if let newline = bytes.lastIndex(of: UInt8(ascii: "\n")) {
                keep = start + Int64(newline) + 1
                break
            }
            keep = start
        }
        if keep < size {
            guard ftruncate(fd, off_t(keep)) == 0 else { throw AuditSpoolFiles.failure("truncate", path) }
            logger.warning(
                "audit client spool: dropped a torn last line left by a crash",
                metadata: ["audit.spool.segment": "\(path)", "audit.spool.dropped_bytes": "\(size - keep)"]
            )
        }
        return keep
    }
}
