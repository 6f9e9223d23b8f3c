"""Embargoes (延期开放): closed through their last day, opened by the first build after — with an injected clock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jiyi.ingest import apply_embargoes
from jiyi.model import AccessStatus, Record

JIYI = str(Path(sys.executable).parent / "jiyi")
CSV = ("档号,题名,开放状态,延期开放日期,全文\n"
       "E-1,延期开放的电报,延期开放,2030-06-30,电报全文甲乙丙丁戊己庚辛\n"
       "E-2,状态写开放但仍在延期,开放,2030年,内容子丑寅卯辰巳午未\n"
       "E-3,日期写错的延期,控制,二〇三〇年十三月,内容申酉戌亥甲乙丙丁\n"
       "E-4,普通开放档案,开放,,公开内容\n")
TOML = """[project]
name = "embargo"

[[catalogue]]
file = "sources/catalogue.csv"
record_set = "e"

[catalogue.columns]
id = "档号"
title = "题名"
access = "开放状态"
embargo = "延期开放日期"
text = "全文"
"""


def build(root: Path, today: str):
    return subprocess.run([JIYI, "build", "--workspace", str(root), "--quiet"], capture_output=True, text=True,
                          timeout=600, env={**__import__("os").environ, "JIYI_TODAY": today})


def records(root: Path, *extra: str) -> list[dict]:
    out = subprocess.run([JIYI, "records", "--json", "--workspace", str(root), *extra], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "ws"
    (root / "sources").mkdir(parents=True)
    (root / "sources" / "catalogue.csv").write_text(CSV, encoding="utf-8")
    (root / "jiyi.toml").write_text(TOML, encoding="utf-8")
    return root


def public_text(root: Path) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="ignore") for p in (root / "build" / "public").rglob("*")
                   if p.is_file() and p.suffix in (".jsonl", ".json", ".ttl", ".html", ".nt", ".jsonld"))


def test_an_embargo_opens_the_record_on_the_first_build_after_it(workspace):
    before = build(workspace, "2030-06-30")  # the last closed day
    assert before.returncode in (0, 1), before.stderr
    closed = {r["id"]: r for r in records(workspace, "--not-open")}
    assert set(closed) == {"E-1", "E-2", "E-3"}
    assert closed["E-1"]["embargo"] == "2030-06-30" and closed["E-2"]["embargo"] == "2030-12-31"
    assert closed["E-2"]["status"] == "restricted"  # 开放 in the cell, but the embargo still runs
    assert "甲乙丙丁戊己" not in public_text(workspace) and "子丑寅卯辰巳" not in public_text(workspace)
    assert "W110" in before.stderr and "E-3" in before.stderr  # an unreadable embargo keeps the record closed

    after = build(workspace, "2030-07-01")
    assert after.returncode in (0, 1), after.stderr
    assert {r["id"] for r in records(workspace, "--not-open")} == {"E-2", "E-3"}
    assert "甲乙丙丁戊己" in public_text(workspace)
    assert "opened by embargo" in after.stdout

    assert {r["id"] for r in records(workspace)} == {"E-1", "E-2", "E-3", "E-4"}


def test_the_rule_itself():
    open_ = Record(id="a", title="", record_set="s", access=AccessStatus.RESTRICTED, embargo="2030-01-01")
    running = Record(id="b", title="", record_set="s", access=AccessStatus.OPEN, embargo="2030-01-01")
    assert apply_embargoes([open_, running], "2030-01-02") == 1 and open_.is_public and running.is_public
    still = Record(id="c", title="", record_set="s", access=AccessStatus.OPEN, embargo="2030-01-01")
    assert apply_embargoes([still], "2030-01-01") == 0 and not still.is_public


def test_a_bad_clock_is_refused(workspace):
    result = build(workspace, "next tuesday")
    assert result.returncode == 2 and "JIYI_TODAY" in result.stderr
