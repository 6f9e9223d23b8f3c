"""Run the stages of a build in order and sum up what they did and what they dropped."""

from __future__ import annotations

import fcntl
import importlib
import os
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from jiyi.config import Config, load_config
from jiyi.errors import ConfigError, JiyiError, WorkspaceBusy
from jiyi.model import Problem, Record, StageResult, read_jsonl, write_json, write_jsonl
from jiyi.progress import Reporter
from jiyi.workspace import Workspace

STAGES = ["ingest", "extract", "graph", "iiif", "exhibits", "search"]


@dataclass
class BuildSummary:
    results: list[StageResult] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.results)

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.results for p in r.problems]

    @property
    def dropped(self) -> list[Problem]:
        return [p for p in self.problems if p.dropped]

    def counts(self) -> dict[str, int]:
        merged: dict[str, int] = {}
        for result in self.results:
            merged.update(result.counts)
        return merged

    def line(self) -> str:
        """`52 records (48 public), 610 entities, … ; 2 dropped: E104 ×1, E106 ×1`"""
        counts = self.counts()
        parts = [f"{value:,} {name}" for name, value in counts.items()]
        text = "Built: " + ", ".join(parts) + f" in {self.seconds:.2f} s"
        if self.dropped:
            by_code = Counter(p.code for p in self.dropped)
            text += f"; {len(self.dropped)} dropped (" + ", ".join(f"{c} ×{n}" for c, n in sorted(by_code.items())) + ")"
        warnings = len(self.problems) - len(self.dropped)
        if warnings:
            text += f"; {warnings} warning(s)"
        return text


def open_workspace(root: Path) -> tuple[Workspace, Config]:
    ws = Workspace(Path(root))
    if not ws.root.is_dir():
        raise ConfigError("E000", f"{ws.root}: no such workspace folder",
                          f"run `jiyi init {ws.root}` for a new one, or `jiyi demo --workspace {ws.root}`")
    return ws, load_config(ws.config_file)


def load_records(ws: Workspace) -> list[Record]:
    if not ws.records_file.is_file():
        raise JiyiError("E010", f"{ws.records_file}: no ingested records", f"run `jiyi ingest --workspace {ws.root}` first")
    return list(read_jsonl(ws.records_file, Record))


@contextmanager
def build_lock(ws: Workspace):
    """One build of a workspace at a time: a second `jiyi build` is refused, never interleaved.

    An flock on build/.lock: the kernel releases it when the holder exits, even by kill -9,
    so a crashed build never leaves a stale lock behind. The file says who holds it.
    """
    ws.build.mkdir(parents=True, exist_ok=True)
    handle = open(ws.build / ".lock", "a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise WorkspaceBusy("E040", f"{ws.root}: a build is already running on this workspace ({holder})",
                        "wait for it to finish, then run the command again") from None
    try:
        handle.truncate(0)
        handle.write(f"process {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def run_stage(name: str, ws: Workspace, config: Config, reporter: Reporter) -> StageResult:
    """One stage, reading what the stages before it wrote to the workspace."""
    started = time.perf_counter()
    stage = importlib.import_module(f"jiyi.{name}")  # heavy stages load only when run
    if name == "ingest":
        _, result = stage.run(ws, config, reporter)
    else:
        result = stage.run(ws, config, load_records(ws), reporter)
    result.seconds = time.perf_counter() - started
    write_jsonl(ws.problems_file(name), result.problems)
    return result


def build(ws: Workspace, config: Config, reporter: Reporter, stages: list[str] = STAGES) -> BuildSummary:
    summary = BuildSummary()
    with build_lock(ws):
        for name in stages:
            summary.results.append(run_stage(name, ws, config, reporter))
    write_json(ws.summary_file, {"counts": summary.counts(), "dropped": len(summary.dropped),
                                 "warnings": len(summary.problems) - len(summary.dropped), "seconds": round(summary.seconds, 2)})
    return summary
