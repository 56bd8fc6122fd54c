import AuditTrailTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The reliability benches, bounded to CI size, on the real binary: kills under load, and a full disk.
@Suite("Reliability (bench crash, bench diskfull)")
struct ReliabilityCLITests {
    /// Five kills (one of each kind: a random moment, a retention run, an index merge, a
    /// checkpoint, then a random one again) under 16 writers: nothing acknowledged is lost or
    /// stored twice, and the data directory verifies after every kill.
    @Test func crashLoopKeepsEveryAcknowledgedEventOnce() async throws {
        let directory = "/tmp/crash-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try await runCLI([
            "bench", "crash", "--crashes", "5", "--writers", "16", "--seed", "12", "--max-delay", "1", "--data-dir", directory,
        ])
        #expect(result.status == 0, "\(result.output)")
        let summary = try #require(result.output.split(separator: "\n").last { $0.hasPrefix("crashes 5,") }, "\(result.output)")
        #expect(summary.contains("duplicates 0, lost 0, verify passed 6 times"), "\(result.output)")
        let acknowledged = summary.split(separator: ",").first { $0.hasPrefix(" acknowledged ") }.flatMap { Int($0.dropFirst(14)) }
        #expect((acknowledged ?? 0) > 0, "\(result.output)")
        #expect(result.output.contains("kills by kind: random moment 2, retention run 1, index merge 1, checkpoint 1"), "\(result.output)")
    }

    /// The same on a PostgreSQL log (a schema of its own, dropped when the run passes): four kills,
    /// at random moments and at checkpoint boundaries, under 8 writers.
    @Test(.enabled(if: AuditTestPostgres.isAvailable, AuditTestPostgres.unavailable))
    func crashLoopOnPostgresKeepsEveryAcknowledgedEventOnce() async throws {
        let url = try #require(AuditTestPostgres.url)
        let directory = "/tmp/crash-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try await runCLI(
            ["bench", "crash", "--crashes", "4", "--writers", "8", "--seed", "13", "--max-delay", "1", "--data-dir", directory],
            environment: ["AUDITTRAIL_DATABASE_URL": url]
        )
        #expect(result.status == 0, "\(result.output)")
        let summary = try #require(result.output.split(separator: "\n").last { $0.hasPrefix("crashes 4,") }, "\(result.output)")
        #expect(summary.contains("duplicates 0, lost 0, verify passed 5 times"), "\(result.output)")
        #expect(result.output.contains("kills by kind: random moment 2, retention run 0, index merge 0, checkpoint 2"), "\(result.output)")
        #expect(result.output.contains("schema test_bench_crash_13_"), "\(result.output)")
    }

    /// The data directory on a full tmpfs: 503 `store-full` answers, no 500, no loss, and ingest
    /// resumes without a restart once the filler is deleted. Skipped (with the reason printed)
    /// where a tmpfs cannot be mounted.
    @Test func fullDiskAnswers503AndIngestResumes() async throws {
        if let reason = Self.cannotMount() {
            print("skipped fullDiskAnswers503AndIngestResumes: \(reason)")
            return
        }
        let result = try await runCLI(["bench", "diskfull", "--size-mib", "24", "--writers", "8", "--full-seconds", "2", "--after-seconds", "1"])
        #expect(result.status == 0, "\(result.output)")
        let figures = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("diskfull:") }, "\(result.output)")
        #expect(figures.contains("other 503 0, 500 0"), "\(figures)")
        #expect(figures.contains("duplicates 0, lost 0, verify --indexes passed"), "\(figures)")
        #expect(figures.contains("ingest resumed"), "\(figures)")
        #expect(!figures.contains("503 store-full 0 "), "\(figures)")
    }

    /// Why a tmpfs cannot be mounted here, or nil when one can (tried on a directory of its own).
    static func cannotMount() -> String? {
        guard geteuid() == 0 else { return "not root: mounting a tmpfs needs root (or CAP_SYS_ADMIN)" }
        let probe = "/tmp/crash-probe-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else {
            return "cannot create \(probe)"
        }
        guard mount("tmpfs", probe, "tmpfs", 0, "size=1m") == 0 else {
            return "mount -t tmpfs refused: \(String(cString: strerror(errno)))"
        }
        _ = umount2(probe, 0)
        return nil
    }
}
