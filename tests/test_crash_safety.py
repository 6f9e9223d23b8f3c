"""Nothing lost (issue 8): `kill -9` in any stage leaves no half-written file under build/,
and the next `jiyi build` gives exactly what an uninterrupted build gives.

One uninterrupted `jiyi build` of the demo is the reference; it also measures when each
stage starts (the build writes the running stage into build/.lock). Then, per stage, a
fresh copy of the demo is built, killed with SIGKILL about 40% into that stage, checked
for partial files, built again, and compared with the reference file by file.

The digest helpers are shared with tests/test_incremental.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest
import tantivy

from jiyi.build import STAGES, build_lock, find_leftovers
from jiyi.workspace import Workspace

from helpers import DEMO_SOURCE

JIYI = str(Path(sys.executable).parent / "jiyi")
BUILD_TIMEOUT = 600  # seconds; the demo takes about a minute on a busy 2-core machine

# The demo has no scans: its ocr stage reads the records, finds none to read and ends before a kill can land in it.
# tests/ocr/test_ocr_stage.py kills a build while it reads scans.
DEMO_STAGES = [stage for stage in STAGES if stage != "ocr"]
# Files that legitimately differ between two correct builds, and why:
EXCLUDED = {
    ".lock",  # names the process that held the build lock and when it started
    "internal/summary.json",  # run time in seconds, and counts of work done (records reused, derivatives drawn)
}
# Change Discovery records *when* each manifest changed: the times are those of the run.
CHANGE_DISCOVERY = ("public/iiif/activity/", "internal/iiif-changes-state.json")
TIME_VALUE = re.compile(r'"(endTime|time)": ?"[^"]*"')
# The last bytes of a complete file: PNG's IEND chunk, JPEG's end-of-image marker.
IMAGE_END = {".png": b"\x00\x00\x00\x00IEND\xaeB`\x82", ".jpg": b"\xff\xd9"}


# ---------------------------------------------------------------- what a build holds

def build_digest(ws: Workspace, *, change_history: bool = True) -> dict[str, str]:
    """A digest of every file under build/, keyed by its path relative to build/.

    Stores whose bytes differ for the same content are compared by content: an Oxigraph
    store (RocksDB files, compaction and logs vary) by its sorted quads, a tantivy index
    (segment files named by random UUIDs) by its sorted stored documents. Change Discovery
    files are compared with their times blanked, or left out with `change_history=False`:
    an incremental build rightly records an Update that a clean build has no reason to.
    """
    digests: dict[str, str] = {}
    skip_inside: list[Path] = []
    for path in sorted(ws.build.rglob("*")):
        relative = path.relative_to(ws.build).as_posix()
        if any(path.is_relative_to(folder) for folder in skip_inside) or relative in EXCLUDED:
            continue
        if path.is_dir() and _is_oxigraph_store(path):
            digests[relative + "/*quads"] = _digest_lines(_quads(path))
            skip_inside.append(path)
        elif path.is_dir() and _is_tantivy_index(path):
            digests[relative + "/*documents"] = _digest_lines(_documents(path))
            skip_inside.append(path)
            for own in ("theme.json",):  # Jiyi's description of the index, beside tantivy's files
                if (path / own).is_file():
                    digests[f"{relative}/{own}"] = hashlib.sha256((path / own).read_bytes()).hexdigest()
        elif path.is_file():
            if relative.startswith(CHANGE_DISCOVERY):
                if change_history:
                    text = TIME_VALUE.sub(r'"\1": "TIME"', path.read_text(encoding="utf-8"))
                    digests[relative] = hashlib.sha256(text.encode()).hexdigest()
            else:
                digests[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def _is_oxigraph_store(folder: Path) -> bool:
    return (folder / "CURRENT").is_file() and any(folder.glob("MANIFEST-*"))


def _is_tantivy_index(folder: Path) -> bool:
    return (folder / "meta.json").is_file() and (folder / ".managed.json").is_file()


def _quads(folder: Path) -> list[str]:
    store = pyoxigraph.Store.read_only(str(folder))
    return sorted(str(quad) for quad in store)


def _documents(folder: Path) -> list[str]:
    searcher = tantivy.Index.open(str(folder)).searcher()
    hits = searcher.search(tantivy.Query.all_query(), limit=max(1, searcher.num_docs)).hits
    return sorted(json.dumps(searcher.doc(address).to_dict(), sort_keys=True, ensure_ascii=False, default=repr)
                  for _, address in hits)


def _digest_lines(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def differences(left: dict[str, str], right: dict[str, str]) -> list[str]:
    """Paths missing on one side or with different content, for an assertion message."""
    return sorted(p for p in set(left) | set(right) if left.get(p) != right.get(p))


# ---------------------------------------------------------------- what a partial file is

def partial_files(ws: Workspace) -> list[str]:
    """Files under a final name whose content is cut short or unreadable.

    A partial file is one that does not parse to its end: JSON and JSON-LD that json
    cannot load, JSON Lines with a line that does not load or a last line without its
    newline, Turtle and N-Triples that Oxigraph cannot parse, HTML without its closing tag,
    images Pillow cannot decode, an SQLite file that fails its integrity check. Temporary
    names (`.name.….part`, …) are not final names: those are listed by find_leftovers.
    """
    temporary = find_leftovers(ws)
    bad = []
    for path in ws.build.rglob("*"):
        if not path.is_file() or any(path == t or path.is_relative_to(t) for t in temporary):
            continue
        try:
            _check_complete(path)
        except Exception as error:  # noqa: BLE001 — any failure to read it whole is the finding
            bad.append(f"{path.relative_to(ws.build)}: {type(error).__name__}: {error}")
    return bad


def _check_complete(path: Path) -> None:
    suffix = path.suffix
    if suffix in (".json", ".jsonld"):
        json.loads(path.read_text(encoding="utf-8"))
    elif suffix == ".jsonl":
        text = path.read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            raise ValueError("last line has no newline: cut short")
        for line in text.splitlines():
            json.loads(line)
    elif suffix in (".ttl", ".nt"):
        fmt = pyoxigraph.RdfFormat.TURTLE if suffix == ".ttl" else pyoxigraph.RdfFormat.N_TRIPLES
        for _ in pyoxigraph.parse(path=str(path), format=fmt):
            pass
    elif suffix == ".html":
        if not path.read_text(encoding="utf-8").rstrip().endswith("</html>"):
            raise ValueError("no closing </html>")
    elif suffix in (".png", ".jpg"):
        # Decoding 1,200 images costs ~15 s; a cut file lacks its end marker, which reading the tail shows.
        with open(path, "rb") as image:
            image.seek(max(0, path.stat().st_size - len(IMAGE_END[suffix])))
            if image.read() != IMAGE_END[suffix]:
                raise ValueError(f"no {suffix} end marker: cut short")
    elif suffix == ".sqlite":
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise ValueError("integrity check failed")


# ---------------------------------------------------------------- running and killing builds

def fresh_demo(folder: Path) -> Workspace:
    shutil.copytree(DEMO_SOURCE, folder)
    return Workspace(folder)


def start_build(ws: Workspace) -> subprocess.Popen:
    return subprocess.Popen([JIYI, "build", "--workspace", str(ws.root), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def running_stage(ws: Workspace) -> str | None:
    """The stage the lock file names (`stage NAME, since …`), if any."""
    try:
        found = re.search(r"^stage (\w+)", (ws.build / ".lock").read_text(encoding="utf-8"), re.M)
    except FileNotFoundError:
        return None
    return found.group(1) if found else None


def stage_durations(ws: Workspace) -> dict[str, float]:
    """Build uninterrupted, watching the lock file; seconds each stage took."""
    process = start_build(ws)
    started: dict[str, float] = {}
    deadline = time.monotonic() + BUILD_TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        stage = running_stage(ws)
        if stage and stage not in started:
            started[stage] = time.monotonic()
        time.sleep(0.01)
    ended = time.monotonic()
    assert process.wait(timeout=30) == 0, "the reference build failed"
    seen = [stage for stage in STAGES if stage in started]  # the ocr stage may be over between two looks
    assert list(started) == seen and set(DEMO_STAGES) <= set(seen), f"saw stages {list(started)} in the lock file"
    times = [started[s] for s in seen] + [ended]
    return {stage: times[n + 1] - times[n] for n, stage in enumerate(seen)}


def kill_during(ws: Workspace, stage: str, seconds: float) -> str | None:
    """Start a build, SIGKILL it `seconds` after `stage` starts; return the stage it was in."""
    process = start_build(ws)
    deadline = time.monotonic() + BUILD_TIMEOUT
    while running_stage(ws) != stage:
        assert process.poll() is None, f"the build ended before stage {stage} was seen"
        assert time.monotonic() < deadline, f"stage {stage} never started"
        time.sleep(0.005)
    time.sleep(seconds)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL, "the build ended before it could be killed"
    return running_stage(ws)  # the lock file names the last stage it entered


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[dict[str, str], dict[str, float]]:
    """The digest of an uninterrupted demo build, and how long each of its stages took."""
    ws = fresh_demo(tmp_path_factory.mktemp("reference") / "demo")
    durations = stage_durations(ws)
    assert not partial_files(ws) and not find_leftovers(ws)
    return build_digest(ws), durations


@pytest.mark.parametrize("stage", DEMO_STAGES)
def test_a_build_killed_in_any_stage_leaves_no_partial_file_and_the_next_build_equals_an_uninterrupted_one(
        stage, reference, tmp_path):
    expected, durations = reference
    # 40% into the stage, as long as it took in the reference build. A short stage (ingest takes a fraction of a
    # second on the demo) can be over by then in a run that goes faster: try again earlier, on a fresh copy.
    for attempt, fraction in enumerate((0.4, 0.2, 0.05)):
        ws = fresh_demo(tmp_path / f"demo-{attempt}")
        killed_in = kill_during(ws, stage, durations[stage] * fraction)
        if killed_in == stage:
            break
    assert killed_in == stage, f"meant to kill the build during {stage}, killed it during {killed_in}"
    assert partial_files(ws) == []

    # The lock is an flock: it went with the killed process, so this build is not refused (exit 3).
    again = subprocess.run([JIYI, "build", "--workspace", str(ws.root), "--quiet"],
                           capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert again.returncode == 0, again.stderr
    assert find_leftovers(ws) == [], "the temporary files of the killed build were not cleared"
    assert partial_files(ws) == []
    rebuilt = build_digest(ws)
    assert differences(rebuilt, expected) == []


def test_taking_the_lock_clears_what_a_killed_build_left_and_nothing_else(tmp_path):
    ws = Workspace(tmp_path / "ws")
    leftovers = ["internal/.records.jsonl.k2v9x1.part", "public/.records.sqlite.writing-4242",
                 "public/.records.sqlite.writing-4242-journal", "public/graph/.oxigraph.writing-4242/CURRENT",
                 "public/graph/.oxigraph.old-4242/CURRENT", "internal/iiif-derivatives/.draw-3hf8/sizes.json",
                 "public/exhibits/.long-march.part/index.html", "internal/.search-q8w7e6r5/t/meta.json",
                 "public/.search-old/t/meta.json", "public/iiif/images/A-1/p001/full/max/0/.default.jpg.4242.part"]
    finals = ["public/records.jsonl", "public/search/t/.managed.json", "public/search/t/.tantivy-meta.lock",
              "public/graph/oxigraph/CURRENT", "internal/.hidden-but-ours.json", "public/iiif/A-1/manifest.json"]
    for name in leftovers + finals:
        (ws.build / name).parent.mkdir(parents=True, exist_ok=True)
        (ws.build / name).write_text("x", encoding="utf-8")
    assert len(find_leftovers(ws)) == len(leftovers)  # each temporary file or folder once, not what it holds

    with build_lock(ws):
        pass

    assert [name for name in leftovers if (ws.build / name).exists()] == []
    assert [name for name in finals if not (ws.build / name).exists()] == []
    assert find_leftovers(ws) == []
