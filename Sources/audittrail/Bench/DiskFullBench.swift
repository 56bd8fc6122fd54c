import ArgumentParser
import AuditTrail
import AuditTrailClient
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `audittrail bench diskfull`: the server's data directory on a small tmpfs of its own, filled
/// under load; the writers must get 503 `store-full` answers (never a 500), nothing acknowledged may
/// be lost, and ingest must resume by itself once space is freed.
struct DiskFullBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diskfull",
        abstract: "Fill the data directory's disk under load: 503s naming the full disk, no loss, ingest resumes when space returns.",
        discussion: """
            Needs root (or CAP_SYS_ADMIN): mounts a tmpfs of --size-mib under /tmp, starts this binary's `serve` \
            with its data directory there and --writers writers (the `bench crash` writers: client-chosen ids, a \
            request re-sent until acknowledged), first fills the disk with a filler file that leaves --reserve-kib \
            free, so that the writers' own events fill the rest. Once a writer got a 503 `store-full` answer the \
            disk stays full for --full-seconds; then the filler is deleted and the time until the next \
            acknowledgement is measured (no restart). After --after-seconds more of load the server is stopped \
            (SIGTERM), every acknowledged id must be stored exactly once and `audittrail verify --data-dir \
            --indexes` must pass. The tmpfs is unmounted at the end. Exits 77 when the tmpfs cannot be mounted, \
            non-zero on a 500, another kind of 503, a loss, a duplicate, a verify failure, or no resumption \
            within 30 s.
            """
    )

    @Option(name: .customLong("size-mib"), help: "Size of the tmpfs.") var sizeMiB = 32
    @Option(help: "Concurrent writers.") var writers = 8
    @Option(name: .customLong("reserve-kib"), help: "Free space the filler leaves for the writers to fill.") var reserveKiB = 2048
    @Option(name: .customLong("full-seconds"), help: "How long the disk stays full after the first store-full answer.")
    var fullSeconds = 3.0
    @Option(name: .customLong("after-seconds"), help: "Load after ingest resumed.") var afterSeconds = 2.0
    @Option(help: "Seed of the batch sizes and ids.") var seed: UInt64 = 1

    func validate() throws {
        if !(8...4096).contains(sizeMiB) { throw ValidationError("--size-mib: must be from 8 to 4096") }
        if !(1...256).contains(writers) { throw ValidationError("--writers: must be from 1 to 256") }
        if !(0.1...600).contains(fullSeconds) { throw ValidationError("--full-seconds: must be from 0.1 to 600") }
        if !(0.1...600).contains(afterSeconds) { throw ValidationError("--after-seconds: must be from 0.1 to 600") }
    }

    func run() async throws {
        let name = "/tmp/crash-diskfull-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let mountPoint = name + "-mnt"
        let work = name + "-work"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        guard Glibc.mount("tmpfs", mountPoint, "tmpfs", 0, "size=\(sizeMiB)m,mode=0700") == 0 else {
            let code = errno
            try? FileManager.default.removeItem(atPath: mountPoint)
            try? FileManager.default.removeItem(atPath: work)
            print("bench diskfull: cannot mount a tmpfs at \(mountPoint): \(String(cString: strerror(code))) (needs root or CAP_SYS_ADMIN)")
            throw ExitCode(77)
        }
        var failed = false
        do {
            try await fill(data: mountPoint + "/data", filler: mountPoint + "/filler", work: work)
        } catch {
            failed = true
            print("bench diskfull FAILED: \(error) (server log: \(work)/server.log)")
        }
        if Glibc.umount2(mountPoint, 0) != 0 { _ = Glibc.umount2(mountPoint, Int32(MNT_DETACH)) }
        try? FileManager.default.removeItem(atPath: mountPoint)
        if failed { throw ExitCode.failure }
        try? FileManager.default.removeItem(atPath: work)
    }

    private func fill(data: String, filler: String, work: String) async throws {
        let adminKey = "crash-" + AuditHex.string((0..<16).map { _ in UInt8.random(in: 0...255) })
        let server = try CrashServer.start(directory: data, work: work, adminKey: adminKey, arguments: [])
        let connection = try await server.waitUntilListening()
        let ledger = CrashLedger()
        let tasks = (0..<writers).map { index in Task { await ledger.runWriter(index, seed: seed, maxBatch: 20) } }
        var tally = CrashBench.Tally()
        var figures = ""
        do {
            // The filler first: a release build's writers fill tens of MiB in a second, and a filler
            // made after that would free nothing when deleted.
            let fillerBytes = try Self.writeFiller(filler, leaving: Int64(reserveKiB) * 1024)
            let filled = ContinuousClock.now
            ledger.resume(with: connection)
            try await waitFor("a 503 store-full answer", timeout: 60) { ledger.state.withLock { $0.storeFull } > 0 }
            let full = ContinuousClock.now
            try await Task.sleep(for: .seconds(fullSeconds))
            let (acknowledgedWhileFull, storeFull) = ledger.state.withLock { ($0.acknowledged.count, $0.storeFull) }
            try FileManager.default.removeItem(atPath: filler)
            let freed = ContinuousClock.now
            try await waitFor("an acknowledgement after the filler was deleted", timeout: 30) {
                ledger.state.withLock { ($0.lastAcknowledged ?? filled) > freed }
            }
            let resumed = ledger.state.withLock { $0.lastAcknowledged } ?? freed
            try await Task.sleep(for: .seconds(afterSeconds))
            ledger.stop()
            for task in tasks { await task.value }
            let status = server.terminate()
            try await connection.shutdown()
            if status != 0 { tally.problems.append("the server exited \(status) after SIGTERM") }
            let check = try await CrashStoreCheck.read(data)
            try await tally.compare(check, ledger: ledger, aged: [])
            try tally.verify(.sqlite(directory: data), directory: data, work: work, indexes: true)
            let state = ledger.state.withLock { $0 }
            if state.otherUnavailable > 0 { tally.problems.append("\(state.otherUnavailable) 503 answers did not name the full disk") }
            try tally.requireClean(ledger)
            figures = [
                "diskfull: tmpfs \(sizeMiB) MiB (filler \(fillerBytes >> 20) MiB), \(writers) writers",
                "full \(String(format: "%.2f", seconds(full - filled))) s after the filler",
                "503 store-full \(state.storeFull) (\(storeFull) while full), other 503 \(state.otherUnavailable), 500 0",
                "acknowledged \(tally.acknowledged) (\(acknowledgedWhileFull) before space returned)",
                "ingest resumed \(String(format: "%.3f", seconds(resumed - freed))) s after the filler was deleted, no restart",
                "stored \(tally.stored), duplicates \(tally.duplicates), lost \(tally.lost), verify --indexes passed",
            ].joined(separator: ", ")
        } catch {
            ledger.stop()
            server.kill()
            for task in tasks { await task.value }
            throw error
        }
        print(figures)
    }

    /// Writes zeros to `path` until the filesystem has `leaving` bytes free; returns its size.
    static func writeFiller(_ path: String, leaving: Int64) throws -> Int64 {
        var info = statvfs()
        guard statvfs((path as NSString).deletingLastPathComponent, &info) == 0 else {
            throw ValidationError("statvfs failed (errno \(errno))")
        }
        let free = Int64(info.f_bavail) * Int64(info.f_frsize)
        let target = max(0, free - leaving)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw ValidationError("cannot create the filler (errno \(errno))") }
        defer { close(fd) }
        let block = [UInt8](repeating: 0, count: 1 << 16)
        var written: Int64 = 0
        while written < target {
            let n = block.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, Int(min(Int64(block.count), target - written))) }
            guard n > 0 else { break }
            written += Int64(n)
        }
        return written
    }

    private func waitFor(_ what: String, timeout: Double, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw ValidationError("no \(what) within \(Int(timeout)) s") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}
