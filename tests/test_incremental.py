"""Incremental builds (issue 8): a rebuild extracts again only the records that changed, and
its outputs equal those of a clean build of the same workspace.

The demo is built once; each test works on a copy of that built workspace, so what it
rebuilds starts from exactly what a user's previous build left.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jiyi.build import build, open_workspace
from jiyi.model import Mention, Record, read_jsonl
from jiyi.progress import QUIET
from jiyi.workspace import Workspace

from helpers import DEMO_SOURCE
from test_crash_safety import build_digest, differences

CHANGED_ID = "RA-1921-002"  # an open record of red_archives.csv with an abstract
ADDED = "同年周恩来赴法国巴黎勤工俭学。"  # names a person the record did not name before


@pytest.fixture(scope="module")
def first_build(tmp_path_factory) -> tuple[Workspace, dict[str, str], int]:
    """The demo built from scratch: its workspace, the digest of its build/, how many records."""
    ws = copy_workspace(DEMO_SOURCE, tmp_path_factory.mktemp("first") / "demo")
    summary = build(ws, open_workspace(ws.root)[1], QUIET)
    counts = summary.counts()
    assert counts["records extracted"] == counts["records"] and counts["records reused"] == 0
    return ws, build_digest(ws), counts["records"]


def copy_workspace(source: Path, target: Path, *, with_build: bool = True) -> Workspace:
    ignore = None if with_build else shutil.ignore_patterns("build")
    shutil.copytree(source, target, symlinks=True, ignore=ignore)  # copy2 keeps mtimes, as a user's disk would
    return Workspace(target)


def rebuild(ws: Workspace, stages: list[str] | None = None) -> dict[str, int]:
    ws, config = open_workspace(ws.root)
    return (build(ws, config, QUIET, stages) if stages else build(ws, config, QUIET)).counts()


def change_abstract(ws: Workspace, record_id: str, added: str) -> None:
    """Append a sentence to one record's 摘要 cell, touching no other byte of the catalogue."""
    record = next(r for r in read_jsonl(ws.records_file, Record) if r.id == record_id)
    catalogue = ws.root / record.source.file
    lines = catalogue.read_text(encoding="utf-8").split("\n")  # a byte-order mark stays part of line 1
    row = record.source.line - 1
    assert lines[row].startswith(record_id + ",") and lines[row].count(record.abstract) == 1
    lines[row] = lines[row].replace(record.abstract, record.abstract + added)
    catalogue.write_text("\n".join(lines), encoding="utf-8")


def mentions_of(ws: Workspace, record_id: str) -> list[str]:
    return [m.text for m in read_jsonl(ws.mentions_file, Mention) if m.record_id == record_id]


def test_an_unchanged_rebuild_extracts_nothing_and_changes_nothing(first_build, tmp_path):
    original, digest, n_records = first_build
    ws = copy_workspace(original.root, tmp_path / "demo")
    counts = rebuild(ws)
    assert counts["records extracted"] == 0
    assert counts["records reused"] == n_records
    assert differences(build_digest(ws), digest) == []


def test_one_changed_record_is_the_only_one_extracted_and_the_result_equals_a_clean_build(first_build, tmp_path):
    original, _, n_records = first_build
    ws = copy_workspace(original.root, tmp_path / "incremental")
    assert "周恩来" not in mentions_of(ws, CHANGED_ID)
    change_abstract(ws, CHANGED_ID, ADDED)

    counts = rebuild(ws)
    assert counts["records extracted"] == 1
    assert counts["records reused"] == n_records - 1
    assert "周恩来" in mentions_of(ws, CHANGED_ID)  # the new text was extracted, not the cached mentions reused

    clean = copy_workspace(ws.root, tmp_path / "clean", with_build=False)
    clean_counts = rebuild(clean)
    assert clean_counts["records extracted"] == n_records
    # Change Discovery is a history: the incremental build rightly adds an Update for the
    # changed manifest that a first build cannot have. Everything else must be the same.
    assert differences(build_digest(ws, change_history=False), build_digest(clean, change_history=False)) == []
    assert any(uri.endswith(f"/iiif/{CHANGED_ID}/manifest.json") for uri in updates_recorded(ws))


def updates_recorded(ws: Workspace) -> list[str]:
    state = json.loads((ws.internal / "iiif-changes-state.json").read_text(encoding="utf-8"))
    return [a["object"]["id"] for a in state["activities"] if a["type"] == "Update"]


def test_a_changed_dictionary_extracts_every_record_again(first_build, tmp_path):
    original, _, n_records = first_build
    ws = copy_workspace(original.root, tmp_path / "demo")
    dictionary = ws.root / "curation" / "dictionary.txt"
    dictionary.write_text(dictionary.read_text(encoding="utf-8") + "\n赵一曼 100 nr\n", encoding="utf-8")
    counts = rebuild(ws, ["ingest", "extract"])
    assert counts["records extracted"] == n_records
    assert counts["records reused"] == 0


def test_full_extracts_every_record_again(first_build, tmp_path):
    original, _, n_records = first_build
    ws = copy_workspace(original.root, tmp_path / "demo")
    ws, config = open_workspace(ws.root)
    counts = build(ws, config, QUIET, ["ingest", "extract"], full=True).counts()
    assert counts["records extracted"] == n_records
    assert counts["records reused"] == 0
