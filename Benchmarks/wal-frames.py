"""WAL frames written per small commit, by the layout of the Merkle-node table.

Mimics the SQLite store's append for a group of events (the group a burst of single POSTs
commits together): the events row (a ~735-byte canonical blob), its id index entry, the Merkle
subtree hashes the new leaves complete, the action count. After 200,000 warm-up events it counts
the WAL frames that GROUPS commits of GROUP events write, for the layout of SQLite schema versions
3–6 (`merkle_nodes` keyed by (level, idx): each level's newest nodes sit in a page of their own)
and for the layout of version 7 on (nodes keyed by their position in insertion order,
`AuditMerkleNodeID.position`: every commit's nodes in the table's last page).
Python's sqlite3 (the system SQLite, not the vendored one; page and WAL logic are the same).

    python3 Benchmarks/wal-frames.py [GROUP] [GROUPS]
"""
import os
import sqlite3
import sys
import tempfile


def run(layout, group, groups, page):
    path = os.path.join(tempfile.mkdtemp(), "wal-frames.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA page_size={page}")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, time INTEGER, received_at INTEGER,"
        " action TEXT, category TEXT, severity INTEGER, outcome INTEGER, canonical BLOB, hash BLOB)"
    )
    db.execute("CREATE UNIQUE INDEX events_id ON events(id)")
    if layout == "level":
        db.execute("CREATE TABLE merkle_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID")
    else:
        db.execute("CREATE TABLE merkle_nodes (pos INTEGER PRIMARY KEY, hash BLOB NOT NULL)")
    db.execute("CREATE TABLE action_counts (action TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID")
    seq = 0

    def append(n):
        nonlocal seq
        db.execute("BEGIN IMMEDIATE")
        for _ in range(n):
            seq += 1
            db.execute(
                "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?)",
                (seq, "0190%032x" % seq, seq, seq, "document.read", "data", 1, 0, os.urandom(735), os.urandom(32)),
            )
            leaf, level = seq - 1, 0
            while (leaf + 1) % (1 << level) == 0:  # the leaf, then the subtrees it completes
                idx = (leaf + 1) // (1 << level) - 1
                if layout == "level":
                    db.execute("INSERT INTO merkle_nodes VALUES (?,?,?)", (level, idx, os.urandom(32)))
                else:
                    last = (idx + 1) * (1 << level) - 1
                    db.execute("INSERT INTO merkle_nodes VALUES (?,?)", (2 * last - bin(last).count("1") + level, os.urandom(32)))
                level += 1
        db.execute(
            "INSERT INTO action_counts VALUES ('document.read', ?) ON CONFLICT(action) DO UPDATE SET count = count + excluded.count",
            (n,),
        )
        db.execute("COMMIT")

    for _ in range(20):
        append(10_000)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for _ in range(groups):
        append(group)
    frames = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    print(
        f"merkle_nodes by {'(level, idx)' if layout == 'level' else 'position'}, {page}-byte pages, {group}-event commits: "
        f"{frames / groups:.1f} frames per commit, {frames * page / (groups * group):.0f} bytes written per event"
    )


group = int(sys.argv[1]) if len(sys.argv) > 1 else 40
groups = int(sys.argv[2]) if len(sys.argv) > 2 else 300
for page in (16384, 4096):
    for layout in ("level", "position"):
        run(layout, group, groups, page)
