"""Seconds of each step of the graph stage on a built workspace (a tool, not a test).

Run: .venv/bin/python benchmarks/graph_stage_steps.py WORKSPACE

It runs `jiyi graph` on the workspace (rewriting its graph outputs, as the command would)
with a timer around each step graph/__init__.py:run takes, and prints them in order, each with
the resident memory before it and the highest during it (Linux: the peak is reset before each
step): where a rebuild of the whole graph spends its time and memory.

The stage streams (issue 9): a record's triples are made while the store is loaded, and made
again while the per-record files are written. So `load_quads` includes the first pass of
triple making, `write_record_exports` the second, and the time spent making triples in both
passes (`TripleMaker.record_triples`) is printed on its own line after the steps.
"""

from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path

import jiyi.graph as graph_stage
from jiyi.build import build_lock, open_workspace, run_stage
from jiyi.graph import triples
from jiyi.progress import Reporter

STEPS = ("RowsByRecord", "load_quads", "write_public_store", "write_entity_index", "write_public_exports",
         "write_record_exports", "push_if_configured")
PEAKS: list[float] = []  # each step's highest RSS, in MB


def memory_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (the peak since the last reset) of this process, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> None:
    """Start VmHWM again from the current RSS (Linux's clear_refs, value 5), so a step's own peak shows."""
    Path("/proc/self/clear_refs").write_text("5")


def timed(owner, name: str, label: str) -> None:
    """Replace owner.name by a wrapper that prints how long each call took and the highest RSS during it."""
    step = getattr(owner, name)

    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        before = memory_mb("VmRSS")
        reset_peak()
        started = time.perf_counter()
        result = step(*args, **kwargs)
        peak = memory_mb("VmHWM")
        PEAKS.append(peak)
        print(f"  {label:28} {time.perf_counter() - started:8.1f} s   RSS {before:6,.0f} MB before, "
              f"{peak:6,.0f} MB at most during it", flush=True)
        return result

    setattr(owner, name, wrapper)


def summed(owner, name: str, totals: dict[str, float]) -> None:
    """Replace owner.name by a wrapper that adds the seconds of every call to totals[name]."""
    step = getattr(owner, name)
    totals[name] = 0.0

    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return step(*args, **kwargs)
        finally:
            totals[name] += time.perf_counter() - started

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    args = parser.parse_args()
    for name in STEPS:  # RowsByRecord: grouping mentions, then assertions, by record on disk
        timed(graph_stage, name, name)
    totals: dict[str, float] = {}
    summed(triples.TripleMaker, "record_triples", totals)
    ws, config = open_workspace(args.workspace)
    started = time.perf_counter()
    with build_lock(ws):
        result = run_stage("graph", ws, config, Reporter(quiet=True))
    # Resetting VmHWM resets ru_maxrss too: the stage's peak is the highest of its steps' and of what is left now.
    peak = max(PEAKS + [memory_mb("VmHWM")])
    print(f"  {'whole stage':28} {time.perf_counter() - started:8.1f} s, peak RSS {peak:,.0f} MB "
          f"({result.counts['triples']:,} triples, {result.counts['public triples']:,} public)")
    print(f"  {'of which making triples':28} {totals['record_triples']:8.1f} s "
          "(TripleMaker.record_triples, both passes; inside load_quads and write_record_exports)")
    print("the rest of the stage (reading records and entities, the public Turtle) is the difference")


if __name__ == "__main__":
    main()
