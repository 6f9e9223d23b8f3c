"""Seconds of each step of the graph stage on a built workspace (a tool, not a test).

Run: .venv/bin/python benchmarks/graph_stage_steps.py WORKSPACE

It runs `jiyi graph` on the workspace (rewriting its graph outputs, as the command would)
with a timer around each step graph/__init__.py:run takes, and prints them in order: where
a rebuild of the whole graph spends its time, hence what an incremental graph stage would save.
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

STEPS = ("load_quads", "write_public_store", "write_entity_index", "write_public_exports", "write_record_exports",
         "push_if_configured")


def timed(owner, name: str, label: str) -> None:
    """Replace owner.name by a wrapper that prints how long each call took."""
    step = getattr(owner, name)

    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        result = step(*args, **kwargs)
        print(f"  {label:28} {time.perf_counter() - started:8.1f} s", flush=True)
        return result

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    args = parser.parse_args()
    timed(triples.TripleMaker, "build", "triples (TripleMaker.build)")
    for name in STEPS:
        timed(graph_stage, name, name)
    ws, config = open_workspace(args.workspace)
    started = time.perf_counter()
    with build_lock(ws):
        result = run_stage("graph", ws, config, Reporter(quiet=True))
    print(f"  {'whole stage':28} {time.perf_counter() - started:8.1f} s "
          f"({result.counts['triples']:,} triples, {result.counts['public triples']:,} public)")
    print("the rest of the stage (reading records and extraction files, the public Turtle) is the difference")


if __name__ == "__main__":
    main()
