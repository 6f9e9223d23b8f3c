"""Nothing of a record that is not open reaches build/public: not its id, title, any 8-character window of its
text, nor a search hit — for the demo and for workspaces whose open statuses are shuffled with a fixed seed."""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store

from jiyi.search.index import SearchRequest, TantivyBackend, read_meta

from helpers import DEMO_SOURCE

JIYI = str(Path(sys.executable).parent / "jiyi")
TEXT_SUFFIXES = {".json", ".jsonl", ".jsonld", ".ttl", ".nt", ".nq", ".trig", ".html", ".txt", ".csv", ".xml", ".svg"}
WINDOW = 8
CURATED_ALIASES = Path(__file__).resolve().parents[1] / "extract" / "dictionaries" / "aliases.tsv"


def jiyi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([JIYI, *args], capture_output=True, text=True, timeout=900)


def windows(text: str) -> set[str]:
    compact = "".join(text.split())
    return {compact[i:i + WINDOW] for i in range(len(compact) - WINDOW + 1)}


def public_files(root: Path) -> dict[str, str]:
    """Every public text file, and the public Oxigraph store (binary on disk) read back as N-Quads."""
    files = {str(p.relative_to(root)): p.read_text(encoding="utf-8", errors="ignore")
             for p in (root / "build" / "public").rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES}
    store_dir = root / "build" / "public" / "graph" / "oxigraph"
    files[str(store_dir.relative_to(root))] = Store.read_only(str(store_dir)).dump(format=RdfFormat.N_QUADS).decode("utf-8")
    for index in (root / "build" / "public").rglob("*.sqlite"):  # the app's record and entity indexes: every row of every table
        with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as db:
            tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            files[str(index.relative_to(root))] = "\n".join(" ".join(map(str, row)) for table in tables
                                                             for row in db.execute(f'SELECT * FROM "{table}"'))
    search_dir = root / "build" / "public" / "search"  # tantivy's segments: searched below, through the index itself
    binary = {str(p.relative_to(root)) for p in (root / "build" / "public").rglob("*") if p.is_file()
              and p.suffix not in TEXT_SUFFIXES and not p.is_relative_to(store_dir) and not p.is_relative_to(search_dir)}
    assert {name for name in binary if not name.endswith((".png", ".jpg", ".sqlite"))} == set(), "a public file the leak test cannot read"
    return files


def read_records(root: Path) -> list[dict]:
    path = root / "build" / "internal" / "records.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def open_words(record: dict) -> str:
    """Everything an open record says: its fields and its catalogue's other columns."""
    return " ".join([*(v for v in record.values() if isinstance(v, str)), *record.get("extra", {}).values()])


def public_labels(root: Path) -> list[str]:
    store = Store()
    store.bulk_load(path=str(root / "build" / "public" / "graph" / "public.ttl"), format=RdfFormat.TURTLE)
    return [row["l"].value for row in store.query(
        "SELECT DISTINCT ?l WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label>|<https://www.ica.org/standards/RiC/ontology#name> ?l }")]


def check_nothing_leaks(root: Path) -> int:
    """Every non-open record's traces, looked for in every public text file and every public search index."""
    everyone = [json.loads(line) for line in jiyi("records", "--json", "-w", str(root)).stdout.splitlines()]
    closed = [r for r in everyone if r["status"] != "open"]
    opened = [r for r in everyone if r["status"] == "open"]
    assert closed and opened, "the workspace must hold both kinds for the test to mean something"
    # Words an open record also says are public by that record (laws quote each other; titles repeat), and
    # so are the names of entities an open record mentions (the public graph holds only those).
    said_openly = set().union(*(windows(open_words(r)) for r in read_records(root) if r["access"] == "open"))
    said_openly |= set().union(*(windows(label) for label in public_labels(root)))
    # Jiyi's curated alias table (八路军: 国民革命军第八路军 …) is published knowledge, not a record's words.
    said_openly |= set().union(*(windows(line) for line in CURATED_ALIASES.read_text(encoding="utf-8").splitlines()))
    # An educator's own narrative is public words too, whatever records it shares them with.
    said_openly |= set().union(*(windows(p.read_text(encoding="utf-8")) for p in (root / "exhibits").rglob("*")
                                 if p.suffix in (".md", ".yaml")))
    files = public_files(root)
    haystack = "\n".join(files.values())
    compact = "".join(haystack.split())
    for record in closed:
        for path, text in files.items():
            assert f'"{record["id"]}"' not in text and f"/{record['id']}/" not in text, (record["id"], path)
        for window in windows(" ".join([record["title"], record["text"]])) - said_openly:
            assert window not in compact, (record["id"], window)
    search = root / "build" / "public" / "search"
    for folder in (search.iterdir() if search.is_dir() else []):
        backend = TantivyBackend(folder, read_meta(folder)["facets"])
        for record in closed:
            result = backend.query(SearchRequest(text=record["title"][:20] or record["id"], size=50))
            assert record["id"] not in {hit.id for hit in result.hits}, (folder.name, record["id"])
    return len(closed)


def test_the_demo_leaks_nothing_of_its_closed_records(built_demo):
    ws, _ = built_demo
    assert check_nothing_leaks(ws.root) >= 1


@pytest.mark.parametrize("seed", [7, 2026])
def test_shuffled_open_statuses_leak_nothing(tmp_path, seed):
    root = tmp_path / "demo"
    shutil.copytree(DEMO_SOURCE, root)
    rng = random.Random(seed)
    for catalogue in (root / "sources").glob("*.csv"):
        text = catalogue.read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        column = rows[0].index("开放状态")
        for row in rows[1:]:
            row[column] = rng.choice(["开放", "开放", "控制", "不开放", ""])
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        catalogue.write_text(out.getvalue(), encoding="utf-8")
    built = jiyi("build", "-w", str(root), "--quiet")
    assert built.returncode in (0, 1), built.stderr  # 1: exhibits naming a record the shuffle closed are refused
    assert check_nothing_leaks(root) >= 1
