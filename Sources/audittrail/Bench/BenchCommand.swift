import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import AuditTrailServer
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// `audittrail bench`: throughput figures, printed. Build with `-c release` before quoting them.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (run a release build: swift run -c release audittrail bench ingest).",
        subcommands: [
            IngestBench.self, PrepareBench.self, VerifyBench.self, QueryBench.self, LoggerBench.self, MiddlewareBench.self, ClientBench.self,
            SoakBench.self, StagesBench.self, HTTPBench.self, FloorServerBench.self,
            StreamBench.self, CrashBench.self, DiskFullBench.self,
        ]
    )
}
