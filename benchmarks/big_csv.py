"""Ingest a big catalogue CSV (1 GB by default) and show whether memory stays flat (a tool, not a test).

Run: nice -n 5 .venv/bin/python benchmarks/big_csv.py [--size-mb 1024] [--small-mb 100] [--stage] [--dir DIR]

It writes catalogue CSVs of --small-mb and --size-mb megabytes from the demo's red-archives
rows (UTF-8 with a BOM, ids made unique), then reads each in its own child process, so
each peak RSS is that size's alone, and prints time, rows/s, peak RSS and the ratio of
the two peaks. The reader (ingest/catalogue.py:iter_catalogue) streams; --stage also
runs the whole ingest stage, which streams records to records.jsonl and then reads that
back, streamed, for the public records and records.sqlite. "ids" is the baseline: every id
with its line in a Python dict, as the duplicate checks kept them until they moved to
SQLite on disk (ingest/seen_ids.py) — the memory that used to grow with the rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEMO_CATALOGUE = Path(__file__).resolve().parents[1] / "jiyi" / "demo" / "sources" / "red_archives.csv"
COLUMNS = {"id": "档号", "title": "题名", "creator": "责任者", "date": "日期", "fonds": "全宗", "retention": "保管期限",
           "access": "开放状态", "holder": "保管机构", "abstract": "摘要"}
MB = 1024 * 1024


def write_catalogue(path: Path, size_mb: int) -> int:
    """A catalogue CSV of about `size_mb` MB, made of the demo rows over and over; returns its rows."""
    with open(DEMO_CATALOGUE, encoding="utf-8-sig", newline="") as demo:
        header, *rows = list(csv.reader(demo))
    target, written = size_mb * MB, 0
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        while out.tell() < target:  # tell() on a text file is cheap once per batch of demo rows
            for row in rows:
                writer.writerow([f"{row[0]}-{written:08d}", *row[1:]])
                written += 1
    return written


def measure_reader(path: Path) -> dict:
    """Read every row through the streaming reader, keeping nothing but counts."""
    from jiyi.config import CatalogueSource
    from jiyi.ingest.catalogue import iter_catalogue
    from jiyi.model import Problem

    source = CatalogueSource(file=path.name, record_set="big", columns=COLUMNS)
    records = problems = 0
    for item in iter_catalogue(path, source, path.name):
        if isinstance(item, Problem):
            problems += 1
        else:
            records += 1
    return {"records": records, "problems": problems}


def measure_stage(path: Path) -> dict:
    """The whole ingest stage on a workspace holding the file: records.jsonl, the public records and records.sqlite written."""
    from jiyi.build import open_workspace
    from jiyi.ingest import run
    from jiyi.progress import QUIET

    root = path.parent / f"ws-{path.stem}"
    (root / "sources").mkdir(parents=True, exist_ok=True)
    linked = root / "sources" / path.name
    if not linked.exists():
        linked.symlink_to(path)
    mapped = "".join(f'{field} = "{column}"\n' for field, column in COLUMNS.items())
    (root / "jiyi.toml").write_text(f'[project]\nname = "big"\n\n[[catalogue]]\nfile = "sources/{path.name}"\n'
                                    f'record_set = "big"\n\n[catalogue.columns]\n{mapped}', encoding="utf-8")
    ws, config = open_workspace(root)
    result = run(ws, config, QUIET)
    return {"records": result.counts["records"], "problems": len(result.problems)}


def measure_ids(path: Path) -> dict:
    """The baseline: every id with its line in a dict, as the duplicate checks kept them before ingest/seen_ids.py."""
    with open(path, encoding="utf-8-sig", newline="") as catalogue:
        rows = csv.reader(catalogue)
        next(rows)
        seen = {row[0]: line for line, row in enumerate(rows, start=2)}
    return {"records": len(seen), "problems": 0}


MEASURES = {"reader": measure_reader, "stage": measure_stage, "ids": measure_ids}


def child(path: Path, mode: str) -> None:
    """One measurement in this process: its peak RSS is this file's alone."""
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB → MB, after Python and imports
    started = time.perf_counter()
    counts = MEASURES[mode](path)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({**counts, "seconds": seconds, "baseline_mb": baseline, "peak_mb": peak}))


def run_child(path: Path, mode: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", str(path), "--mode", mode],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="the big file's size (default 1024, i.e. 1 GB)")
    parser.add_argument("--small-mb", type=int, default=100, help="the file the big one's memory is compared with")
    parser.add_argument("--stage", action="store_true", help="also run the whole ingest stage")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the files (default: a temporary folder)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="reader", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.mode)
        return

    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        # "ids": a dict of the file's ids alone, what the duplicate checks would hold in memory
        modes = ["reader", "ids", "stage"] if args.stage else ["reader", "ids"]
        results: dict[tuple[str, int], dict] = {}
        for size in (args.small_mb, args.size_mb):
            path = Path(folder) / f"catalogue-{size}mb.csv"
            started = time.perf_counter()
            rows = write_catalogue(path, size)
            print(f"wrote {path.stat().st_size / MB:,.0f} MB, {rows:,} rows in {time.perf_counter() - started:.1f} s",
                  flush=True)
            for mode in modes:
                result = results[mode, size] = run_child(path, mode)
                assert result["records"] == rows, result  # every row read back: the figures are of a real read
                print(f"  {mode:6} {size:>6,} MB: {result['seconds']:7.1f} s, {rows / result['seconds']:9,.0f} rows/s, "
                      f"{size / result['seconds']:6.1f} MB/s, peak RSS {result['peak_mb']:7,.0f} MB "
                      f"(after imports {result['baseline_mb']:,.0f} MB)", flush=True)
            path.unlink()
        growth = {key: result["peak_mb"] - result["baseline_mb"] for key, result in results.items()}
        for mode in modes:
            small, big = results[mode, args.small_mb], results[mode, args.size_mb]
            extra_rows = max(big["records"] - small["records"], 1)
            print(f"{mode}: peak RSS {args.size_mb:,} MB / {args.small_mb:,} MB = {big['peak_mb'] / small['peak_mb']:.2f} "
                  f"(file {args.size_mb / args.small_mb:.1f}x); growth over imports "
                  f"{growth[mode, args.small_mb]:,.0f} → {growth[mode, args.size_mb]:,.0f} MB, "
                  f"{(growth[mode, args.size_mb] - growth[mode, args.small_mb]) * MB / extra_rows:,.0f} bytes per extra row")
        big = args.size_mb
        print(f"reader's growth over imports / a dict of the ids alone, at {big:,} MB: "
              f"{growth['reader', big]:,.0f} / {growth['ids', big]:,.0f} MB")


if __name__ == "__main__":
    main()
