"""Run the stages of a build in order and sum up what they did and what they dropped."""

from __future__ import annotations

import fcntl
import importlib
import os
import re
import shutil
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from jiyi.config import Config, load_config
from jiyi.errors import ConfigError, JiyiError, WorkspaceBusy
from jiyi.model import Problem, Record, StageResult, read_jsonl, write_json, write_jsonl
from jiyi.progress import Reporter
from jiyi.workspace import Workspace

STAGES = ["ingest", "ocr", "extract", "graph", "iiif", "exhibits", "search"]


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


class RecordFile:
    """The ingested records, read from records.jsonl each time they are walked.

    Stages get this instead of a list, so one that only walks the records holds one at a
    time, however many there are (the graph stage walks them twice). A stage that keeps
    them all does so where it can be seen. Nothing writes records.jsonl after ingest, so
    every walk reads the same records.
    """

    def __init__(self, path: Path):
        self.path = path
        self._count: int | None = None

    def __iter__(self) -> Iterator[Record]:
        return read_jsonl(self.path, Record)

    def __len__(self) -> int:
        if self._count is None:  # one line per record (write_jsonl), counted once
            with open(self.path, "rb") as lines:
                self._count = sum(1 for line in lines if line.strip())
        return self._count


def load_records(ws: Workspace) -> RecordFile:
    if not ws.records_file.is_file():
        raise JiyiError("E010", f"{ws.records_file}: no ingested records", f"run `jiyi ingest --workspace {ws.root}` first")
    return RecordFile(ws.records_file)


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
        holder = "; ".join(line for line in handle.read().splitlines() if line.strip()) or "another process"
        handle.close()
        raise WorkspaceBusy("E040", f"{ws.root}: a build is already running on this workspace ({holder})",
                        "wait for it to finish, then run the command again") from None
    try:
        handle.truncate(0)
        handle.write(f"process {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        remove_leftovers(ws)
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


# Temporary names the stages write under before renaming into place (jiyi.model.atomic_writer,
# the graph's and the record index's `.writing-PID` with SQLite's journal beside it, the graph
# store's `.old-PID`, image derivatives' `.draw-…`, exhibits' `.<id>.part` folders). A build
# killed mid-stage leaves them.
LEFTOVER = re.compile(r"^\..+(\.part|\.writing-\d+(-journal|-wal|-shm)?|\.old-\d+)$|^\.draw-")


def find_leftovers(ws: Workspace) -> list[Path]:
    """The temporary files and folders under build/ (outside a build, those of a killed one)."""
    # The search stage builds build/{internal,public}/search in `.search-<random>` beside it, then
    # swaps through `.search-old`. Only those names: tantivy keeps hidden files inside each index.
    swapped = {(f.parent, f".{f.name}-") for f in (ws.internal_search_dir, ws.public_search_dir)}
    found = []
    for folder, subfolders, files in os.walk(ws.build):
        for name in subfolders + files:
            if LEFTOVER.match(name) or any(Path(folder) == parent and name.startswith(prefix)
                                           for parent, prefix in swapped):
                found.append(Path(folder) / name)
        subfolders[:] = [d for d in subfolders if Path(folder) / d not in found]  # nothing to look at inside
    return found


def remove_leftovers(ws: Workspace) -> list[Path]:
    """Delete the temporary files and folders of a build that was killed; return them.

    Called under the build lock: no other build is writing, so every temporary name is an
    orphan. Without this they would pile up (their names hold a process id or a random part)
    and, under build/public, be served.
    """
    found = find_leftovers(ws)
    for path in found:
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    return found


def note_stage(ws: Workspace, name: str) -> None:
    """Add the running stage to the lock file, so `E040` and an operator can tell how far a build got."""
    lock = ws.build / ".lock"
    if not lock.is_file():  # a stage run by a test without the lock
        return
    lines = lock.read_text(encoding="utf-8").splitlines()[:1]
    lock.write_text("\n".join(lines + [f"stage {name}, since {time.strftime('%H:%M:%S')}"]) + "\n", encoding="utf-8")


def forget_reuse(ws: Workspace) -> None:
    """Drop the extraction partitions, so every record is extracted again."""
    shutil.rmtree(ws.extract_dir, ignore_errors=True)
    ws.legacy_extract_cache_file.unlink(missing_ok=True)


def run_stage(name: str, ws: Workspace, config: Config, reporter: Reporter) -> StageResult:
    """One stage, reading what the stages before it wrote to the workspace."""
    note_stage(ws, name)
    started = time.perf_counter()
    stage = importlib.import_module(f"jiyi.{name}")  # heavy stages load only when run
    if name == "ingest":
        result = stage.run(ws, config, reporter)
    else:
        result = stage.run(ws, config, load_records(ws), reporter)
    result.seconds = time.perf_counter() - started
    write_jsonl(ws.problems_file(name), result.problems)
    return result


def build(ws: Workspace, config: Config, reporter: Reporter, stages: list[str] = STAGES, *,
          full: bool = False) -> BuildSummary:
    """Every stage in order. `full`: forget what earlier builds kept for reuse (docs/incremental-builds.md)."""
    summary = BuildSummary()
    with build_lock(ws):
        if full:
            forget_reuse(ws)
        for name in stages:
            summary.results.append(run_stage(name, ws, config, reporter))
        # Still under the lock: a build started the moment this one ends must not have its summary overwritten.
        write_json(ws.summary_file, {"counts": summary.counts(), "dropped": len(summary.dropped),
                                     "warnings": len(summary.problems) - len(summary.dropped),
                                     "seconds": round(summary.seconds, 2)})
    return summary
