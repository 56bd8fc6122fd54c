/*
 * SQLite's own append limit on this machine: the reference the ingest benchmark is quoted
 * against. Inserts rows shaped like AuditTrail's stored events (seq, received_at, a canonical
 * blob of --bytes, a 32-byte hash; no secondary index) in transactions of 10,000 rows, with the
 * store's settings: WAL, synchronous=FULL, 16 KiB pages. Built against the SQLite that sqlite-nio
 * vendors (the one AuditTrail uses):
 *
 *   cc -O2 -I.build/checkouts/sqlite-nio/Sources/VaporCSQLite/include Benchmarks/sqlite-append-limit.c \
 *      .build/checkouts/sqlite-nio/Sources/VaporCSQLite/sqlite_nio_sqlite3.c -lpthread -lm -o /tmp/sqlite-append-limit
 *   /tmp/sqlite-append-limit /tmp/limit.sqlite 1000000 720
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "sqlite_nio_sqlite3.h"

static void check(int code, sqlite3 *db, const char *what) {
    if (code != SQLITE_OK && code != SQLITE_DONE && code != SQLITE_ROW) {
        fprintf(stderr, "%s: %s\n", what, sqlite_nio_sqlite3_errmsg(db));
        exit(1);
    }
}

static void exec(sqlite3 *db, const char *sql) { check(sqlite_nio_sqlite3_exec(db, sql, 0, 0, 0), db, sql); }

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s DATABASE ROWS BYTES_PER_ROW\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    long rows = atol(argv[2]);
    int bytes = atoi(argv[3]);
    if (rows < 1 || bytes < 1 || bytes > 65536) {
        fprintf(stderr, "ROWS must be positive and BYTES_PER_ROW from 1 to 65536\n");
        return 2;
    }
    unlink(path);
    char wal[4096], shm[4096];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    unlink(wal);
    unlink(shm);
    sqlite3 *db;
    check(sqlite_nio_sqlite3_open(path, &db), db, "open");
    exec(db, "PRAGMA page_size = 16384");
    exec(db, "PRAGMA journal_mode = WAL");
    exec(db, "PRAGMA synchronous = FULL");
    exec(db, "PRAGMA cache_size = -65536");
    exec(db, "CREATE TABLE events (seq INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, canonical BLOB NOT NULL, hash BLOB NOT NULL)");
    sqlite3_stmt *insert;
    check(sqlite_nio_sqlite3_prepare_v2(db, "INSERT INTO events (seq, received_at, canonical, hash) VALUES (?, ?, ?, ?)", -1, &insert, 0), db, "prepare");
    unsigned char *blob = malloc((size_t)bytes);
    unsigned char hash[32];
    unsigned long long state = 88172645463325252ULL;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long seq = 1; seq <= rows; seq++) {
        if ((seq - 1) % 10000 == 0) exec(db, "BEGIN IMMEDIATE");
        for (int i = 0; i < bytes; i++) {  /* varied bytes, as events are */
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            blob[i] = (unsigned char)(32 + state % 90);
        }
        for (int i = 0; i < 32; i++) hash[i] = (unsigned char)(state >> (i % 8));
        sqlite_nio_sqlite3_bind_int64(insert, 1, seq);
        sqlite_nio_sqlite3_bind_int64(insert, 2, 1767571200000LL + seq);
        sqlite_nio_sqlite3_bind_blob(insert, 3, blob, bytes, SQLITE_STATIC);
        sqlite_nio_sqlite3_bind_blob(insert, 4, hash, 32, SQLITE_STATIC);
        check(sqlite_nio_sqlite3_step(insert), db, "insert");
        sqlite_nio_sqlite3_reset(insert);
        if (seq % 10000 == 0 || seq == rows) exec(db, "COMMIT");
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double elapsed = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    printf("sqlite append limit: %ld rows of %d bytes in %.2f s = %.0f rows/s (WAL, synchronous=FULL, 10,000 rows per transaction, no index)\n",
           rows, bytes, elapsed, (double)rows / elapsed);
    sqlite_nio_sqlite3_finalize(insert);
    sqlite_nio_sqlite3_close(db);
    free(blob);
    return 0;
}
