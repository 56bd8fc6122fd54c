import CAuditProcess
import Foundation
import Logging
import ServiceLifecycle

/// Gives the heap's free memory back to the system every ``interval`` while the server runs.
///
/// glibc keeps what a thread frees in that thread's arena for later allocations, and returns to
/// the system only what lies at an arena's top: the soak measured the free part of the heap
/// growing from 21 to 62 MiB in 25 minutes (transient query, stats and merge buffers on a dozen
/// threads) while the live part stayed within the caches' bounds. `malloc_trim(0)` releases the
/// free pages inside the arenas as well; it takes each arena's lock briefly, so it runs seldom.
struct AuditHeapTrimmer: Service {
    var interval: Duration = .seconds(30)
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                let before = Self.free()
                let released = caudit_heap_trim() == 1
                logger.trace("audit heap trimmed", metadata: ["audit.heap.free_before": "\(before)", "audit.heap.released": "\(released)"])
            }
        }
    }

    /// The heap's free bytes now.
    static func free() -> Int {
        var stats = caudit_heap_stats()
        return caudit_heap_stats_read(&stats) == 1 ? stats.free : 0
    }
}

/// The process-wide allocator settings of `audittrail serve`.
public enum AuditServerMemory {
    /// Caps glibc's malloc arenas at `count` (default ``defaultArenas``) unless `MALLOC_ARENA_MAX`
    /// is set (glibc then reads it itself). By default glibc makes up to eight arenas per core as
    /// threads contend; each keeps what its threads freed, so transient buffers (queries, stats,
    /// exports, index merges) leave free memory spread over the arenas, which the 30-s
    /// `malloc_trim` returns. The cap was two: a quarter less free memory in a 15-minute soak, but
    /// under batch POSTs the server's ~10 busy threads then queued on two arenas' locks (an event
    /// is allocated on a request's thread and freed on the index's): 52–76k events/s against
    /// 77–83k with eight, 31 against 21 µs of CPU an event (README, "Memory"). Call it first thing
    /// in `main`, before threads allocate.
    /// - Returns: whether the cap was set here.
    @discardableResult
    public static func limitArenas(_ count: Int = defaultArenas, environment: [String: String]) -> Bool {
        guard environment["MALLOC_ARENA_MAX"] == nil else { return false }
        return caudit_heap_limit_arenas(Int32(count)) == 1
    }

    /// Eight, or two per core on a machine with more than four: about one per thread that
    /// allocates at once (the request threads, the event loops, the store's writer, reader and
    /// upkeep threads).
    public static var defaultArenas: Int { max(8, 2 * ProcessInfo.processInfo.activeProcessorCount) }

    /// For a process that appends in bulk (the in-process ingest benchmark; an app embedding the
    /// writer that logs in large batches): lets glibc keep up to `trimMiB` free at an arena's top
    /// and serve blocks below 32 MiB from its arenas, unless `GLIBC_TUNABLES` or
    /// `MALLOC_TRIM_THRESHOLD_` say otherwise. By default glibc returns a freed top above 128 KiB
    /// to the system at once, so each 10,000-event batch's ~30 MB of events, canonical bytes and
    /// index keys was faulted in and zeroed again by the kernel: 10 % of the CPU of a 1M-event run
    /// (`perf`), 1.04–1.20× the ingest rate without it (README, "Where the write path's time goes").
    /// `serve` does not call it: its groups are small, and its trimmer already returns free memory
    /// every 30 s. Call it before the bulk ingest starts.
    /// With `enabled` false, puts glibc's initial values back (128 KiB each; its dynamic mmap
    /// threshold stays off).
    /// - Returns: whether the settings were made here.
    @discardableResult
    public static func keepFreeForBulkIngest(_ enabled: Bool = true, trimMiB: Int = 256, environment: [String: String]) -> Bool {
        guard environment["GLIBC_TUNABLES"] == nil, environment["MALLOC_TRIM_THRESHOLD_"] == nil else { return false }
        return enabled ? caudit_heap_keep_free(trimMiB << 20, 32 << 20) == 1 : caudit_heap_keep_free(128 << 10, 128 << 10) == 1
    }
}
