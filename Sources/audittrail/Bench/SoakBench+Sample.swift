import ArgumentParser
import AuditTrail
import AuditTrailClient
import Foundation
import Glibc
import Synchronization

extension SoakBench {
    /// One sample row.
    struct Sample {
        var elapsed: Double
        var rssMiB: Double
        /// Anonymous memory (heap, stacks, SQLite page caches): what a leak grows.
        var rssAnonMiB: Double
        /// File-backed pages (the binary, the readers' memory-mapped database): the kernel's
        /// page cache, reclaimable, and growing with the database the reads touch.
        var rssFileMiB: Double
        /// The C heap in live allocations and free but kept by the allocator (the server's
        /// `/metrics`, glibc `mallinfo2`): growth in the first is data held, in the second
        /// fragmentation; -1 when the server did not say.
        var heapInUseMiB: Double
        var heapFreeMiB: Double
        /// What the search index's cache holds (`audittrail_index_cache_bytes`), part of the
        /// heap in use, bounded by `--index-cache-mib`.
        var indexCacheMiB: Double
        var openFiles: Int
        var walMiB: Double
        var writeP50: Double
        var writeP99: Double
        var readP99: Double
        var stored: Int
        var errors: Int
        var serverAlive: Bool

        static let header =
            "elapsed_s,rss_mib,rss_anon_mib,rss_file_mib,heap_in_use_mib,heap_free_mib,index_cache_mib,open_files,wal_mib,write_p50_ms,write_p99_ms,read_p99_ms,events_stored,errors"
        var row: String {
            String(
                format: "%.0f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%d,%.2f,%.2f,%.2f,%.2f,%d,%d",
                elapsed,
                rssMiB,
                rssAnonMiB,
                rssFileMiB,
                heapInUseMiB,
                heapFreeMiB,
                indexCacheMiB,
                openFiles,
                walMiB,
                writeP50,
                writeP99,
                readP99,
                stored,
                errors
            )
        }
    }
}
