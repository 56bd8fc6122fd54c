#include "CAuditProcess.h"

// Any C library header defines __GLIBC__ on glibc.
#include <stdlib.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int caudit_heap_stats_read(caudit_heap_stats *stats) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 info = mallinfo2();
    stats->in_use = info.uordblks + info.hblkhd;
    stats->free = info.fordblks;
    return 1;
#else
    stats->in_use = 0;
    stats->free = 0;
    return 0;
#endif
}

int caudit_heap_trim(void) {
#if defined(__GLIBC__)
    return malloc_trim(0);
#else
    return 0;
#endif
}

int caudit_heap_limit_arenas(int count) {
#if defined(__GLIBC__)
    return mallopt(M_ARENA_MAX, count);
#else
    (void)count;
    return 0;
#endif
}

int caudit_heap_keep_free(size_t trim_threshold, size_t mmap_threshold) {
#if defined(__GLIBC__)
    return mallopt(M_TRIM_THRESHOLD, (int)trim_threshold) == 1 && mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold) == 1;
#else
    (void)trim_threshold;
    (void)mmap_threshold;
    return 0;
#endif
}
