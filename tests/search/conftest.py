"""The demo with one traditional-script regulation added, built once for the search tests (no IIIF, no exhibits:
the search stage reads only records, entities and the graph)."""

from __future__ import annotations

import shutil

import pytest

from jiyi.build import build, open_workspace
from jiyi.model import Entity, Record, read_jsonl
from jiyi.progress import QUIET

from helpers import DEMO_SOURCE

# A traditional-script text: simplified queries must find it (长征 → 長征), and the long-march concept theme must hold it.
TRADITIONAL = """# 紅軍長征史料保護辦法

第一條 為了保護紅軍長征途中形成的檔案史料，制定本辦法。
第二條 各級檔案館應當收集長征會議記錄與電報。
"""
TRADITIONAL_FILE = "紅軍長征史料保護辦法(2023-05-01).md"
STAGES = ["ingest", "extract", "graph", "search"]


@pytest.fixture(scope="module")
def search_demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("search") / "demo"
    shutil.copytree(DEMO_SOURCE, root)
    (root / "sources" / "thematic" / TRADITIONAL_FILE).write_text(TRADITIONAL, encoding="utf-8")
    ws, config = open_workspace(root)
    summary = build(ws, config, QUIET, stages=STAGES)
    assert not summary.dropped, [str(p) for p in summary.dropped]
    return ws, config


@pytest.fixture(scope="module")
def records(search_demo) -> list[Record]:
    ws, _ = search_demo
    return list(read_jsonl(ws.records_file, Record))


@pytest.fixture(scope="module")
def entities(search_demo) -> list[Entity]:
    ws, _ = search_demo
    return list(read_jsonl(ws.entities_file, Entity))
