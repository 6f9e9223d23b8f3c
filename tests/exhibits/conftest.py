"""A small workspace built once for the exhibit tests: two open records, one restricted, page images and a graph."""

from __future__ import annotations

import pytest

from jiyi.build import build, open_workspace
from jiyi.progress import QUIET
from jiyi.workspace import Workspace

CATALOGUE = """档号,题名,日期,开放状态,摘要
A-1,遵义会议决议,1935-02-08,开放,1935年1月，毛泽东在遵义出席中共中央政治局扩大会议。会议改变了红军的方向。
A-2,泸定桥作战文电,1935-05,开放,1935年5月，红军在泸定桥渡过大渡河，周恩来随军北上。
S-1,方志敏狱中手稿,1935,控制,方志敏在南昌狱中写下文稿，内部材料甲。
"""
TOML = """[project]
name = "exhibit tests"

[[catalogue]]
file = "sources/catalogue.csv"
record_set = "t"

[catalogue.columns]
id = "档号"
title = "题名"
date = "日期"
access = "开放状态"
abstract = "摘要"
"""


@pytest.fixture(scope="session")
def small_ws(tmp_path_factory) -> Workspace:
    """Built through every stage but exhibits; tests add exhibits/ folders and run what they need."""
    root = tmp_path_factory.mktemp("exhibits") / "ws"
    (root / "sources").mkdir(parents=True)
    (root / "sources" / "catalogue.csv").write_text(CATALOGUE, encoding="utf-8")
    (root / "jiyi.toml").write_text(TOML, encoding="utf-8")
    ws, config = open_workspace(root)
    build(ws, config, QUIET, stages=["ingest", "extract", "graph", "iiif"])
    return ws


@pytest.fixture
def exhibit_dir(small_ws):
    """A fresh exhibits/ folder in the small workspace for one test; emptied after it."""
    import shutil

    shutil.rmtree(small_ws.exhibits_dir, ignore_errors=True)
    small_ws.exhibits_dir.mkdir()
    yield small_ws.exhibits_dir
    shutil.rmtree(small_ws.exhibits_dir, ignore_errors=True)
