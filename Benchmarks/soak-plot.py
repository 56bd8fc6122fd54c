#!/usr/bin/env python3
"""Plots the CSV of `audittrail bench soak` as a PNG: RSS, open files, WAL size and write/read p99
over time, one panel each.  Usage: python3 Benchmarks/soak-plot.py soak.csv soak.png
Needs matplotlib (pip install matplotlib)."""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(source: str, target: str) -> None:
    with open(source, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{source}: no samples")
    minutes = [float(r["elapsed_s"]) / 60 for r in rows]
    panels = [
        ("RSS (MiB)", [(c, n) for c, n in (("rss_mib", "server RSS"), ("rss_anon_mib", "anonymous (heap, caches)"),
                                           ("rss_file_mib", "file-backed (mapped database)"),
                                           ("heap_in_use_mib", "C heap in use"), ("heap_free_mib", "C heap free (fragmentation)"),
                                           ("index_cache_mib", "index cache (in the heap in use)"))
                             if c in rows[0]]),
        ("open files", [("open_files", "server file descriptors")]),
        ("WAL (MiB)", [("wal_mib", "WAL files")]),
        ("latency (ms)", [("write_p99_ms", "write p99"), ("write_p50_ms", "write p50"), ("read_p99_ms", "read p99")]),
    ]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 10), sharex=True)
    for ax, (label, series) in zip(axes, panels):
        top = 0.0
        for column, name in series:
            values = [float(r[column]) for r in rows]
            top = max(top, max(values))
            ax.plot(minutes, values, label=name, linewidth=1)
        ax.set_ylabel(label)
        ax.set_ylim(0, top * 1.15 or 1)
        ax.grid(True, alpha=0.3)
        if len(series) > 1:
            ax.legend(loc="upper right", fontsize="small")
    stored = int(rows[-1]["events_stored"])
    errors = int(rows[-1]["errors"])
    axes[0].set_title(f"audittrail bench soak: {minutes[-1]:.0f} min, {stored:,} events stored, {errors} errors")
    axes[-1].set_xlabel("minutes")
    fig.tight_layout()
    fig.savefig(target, dpi=100)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
