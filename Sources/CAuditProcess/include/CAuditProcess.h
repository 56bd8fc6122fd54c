// The process's heap as the C allocator sees it, for the server's /metrics and the soak: whether
// memory that grows is held by live allocations or is free memory the allocator keeps.
#ifndef CAUDIT_PROCESS_H
#define CAUDIT_PROCESS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The C heap: bytes in live allocations (small and mmapped) and bytes the allocator holds free.
typedef struct {
    size_t in_use;
    size_t free;
} caudit_heap_stats;

/// Fills `stats` (glibc's `mallinfo2`, which walks every arena under its lock: call it seldom)
/// and returns 1; returns 0 with zeros where the C library does not tell.
int caudit_heap_stats_read(caudit_heap_stats *stats);

/// Gives the free memory the allocator holds back to the system (glibc's `malloc_trim(0)`, which
/// also releases free pages inside its arenas, not only at their tops). Returns 1 when memory was
/// released; 0 when none was, or where the C library cannot.
int caudit_heap_trim(void);

/// Caps the number of glibc malloc arenas (`mallopt(M_ARENA_MAX, count)`); threads then share
/// them instead of each keeping its own free memory. Call it before threads start allocating.
/// Returns 1 when set; 0 where the C library cannot.
int caudit_heap_limit_arenas(int count);

/// Lets the allocator keep up to `trim_threshold` bytes free at an arena's top instead of giving
/// them back at every `free` (`mallopt(M_TRIM_THRESHOLD)`), and serves allocations below
/// `mmap_threshold` from the arenas (`mallopt(M_MMAP_THRESHOLD)`), so that memory a bulk ingest
/// frees and allocates again every batch is not faulted in and zeroed by the kernel each time.
/// Returns 1 when both were set; 0 where the C library cannot.
int caudit_heap_keep_free(size_t trim_threshold, size_t mmap_threshold);

#ifdef __cplusplus
}
#endif

#endif
