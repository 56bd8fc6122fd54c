import ArgumentParser
import AuditTrail
import AuditTrailPostgres
import AuditTrailSQLite
import AuditTrailServer
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// The CPU time, user plus system, of every process on this machine named `postgres` (0 when
/// there is none, or PostgreSQL runs elsewhere), from `/proc`.
func postgresCPUSeconds() -> Double {
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { $0.allSatisfy(\.isNumber) } ?? []
    return pids.reduce(0) { total, pid in
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            stat.contains("(postgres)"), let close = stat.lastIndex(of: ")")
        else { return total }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return total }
        return total + (user + system) / ticks
    }
}

/// This process's CPU time so far, user plus system, in seconds (`getrusage`).
func processCPUSeconds() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    let time = { (t: timeval) in Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return time(usage.ru_utime) + time(usage.ru_stime)
}
