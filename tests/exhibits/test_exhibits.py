"""Educators' exhibits: read from YAML + Markdown, mistakes located, restricted items left out of public."""

import json

import pytest

from jiyi.build import build, open_workspace
from jiyi.exhibits.loader import ExhibitError, load_exhibit
from jiyi.model import Exhibit, from_dict
from jiyi.progress import QUIET

EXHIBIT = """id: first
title: {zh: 第一个展览, en: A first exhibit}
summary: 简介
sections:
  - heading: {zh: 开端, en: Beginnings}
    markdown: {zh: 01.zh.md, en: 01.en.md}
    items:
      - record: A-1
        caption: {zh: 决议, en: The resolution}
      - record: S-1
        caption: 不应公开
      - record: NOPE-1
"""


def write_exhibit(folder, yaml_text=EXHIBIT):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exhibit.yaml").write_text(yaml_text, encoding="utf-8")
    (folder / "01.zh.md").write_text("# 开端\n\n## 遵义\n\n会议改变了方向。", encoding="utf-8")
    (folder / "01.en.md").write_text("## Zunyi\n\nThe meeting changed course.", encoding="utf-8")


def test_an_exhibit_reads_both_languages(tmp_path):
    write_exhibit(tmp_path / "first")
    exhibit = load_exhibit(tmp_path / "first", "exhibits/first")
    assert exhibit.title_en == "A first exhibit" and exhibit.summary_zh == "简介"
    section = exhibit.sections[0]
    assert section.heading_zh == "开端" and "会议改变了方向" in section.body_zh and "Zunyi" in section.body_en
    # a file that opens with the section's own heading does not show it twice (the line is blanked,
    # so directives keep their line numbers); other headings stay
    assert section.body_zh.lstrip().startswith("## 遵义") and section.body_en.startswith("## Zunyi")
    assert section.body_zh.splitlines()[2] == "## 遵义"
    assert [i.record_id for i in section.items] == ["A-1", "S-1", "NOPE-1"]


@pytest.mark.parametrize("change, line, words", [
    (("    markdown:", "    markdwn:"), 6, "unknown key `markdwn`"),
    (("01.en.md}", "02.en.md}"), 6, "'02.en.md' not found"),
    (("title: {zh: 第一个展览, en: A first exhibit}", "title: {zh: 第一个展览, fr: Une}"), 2, "`title` must be text"),
    (("  - heading:", "  - heading: [unclosed"), 5, "not valid YAML"),
])
def test_mistakes_name_the_file_and_line(tmp_path, change, line, words):
    write_exhibit(tmp_path / "first", EXHIBIT.replace(*change))
    with pytest.raises(ExhibitError) as caught:
        load_exhibit(tmp_path / "first", "exhibits/first")
    assert words in caught.value.message
    assert caught.value.message.startswith(f"exhibits/first/exhibit.yaml:{line}")


def test_the_public_exhibit_leaves_out_restricted_and_unknown_items(make_workspace):
    ws = make_workspace("档号,题名,日期,开放状态,摘要\nA-1,遵义会议决议,1935,开放,\nS-1,内部材料甲,1950,控制,\n")
    write_exhibit(ws.exhibits_dir / "first")
    write_exhibit(ws.exhibits_dir / "broken", EXHIBIT.replace("sections:", "sectons:"))
    ws, config = open_workspace(ws.root)
    summary = build(ws, config, QUIET, stages=["ingest", "exhibits"])
    published = from_dict(Exhibit, json.loads((ws.public_exhibits_dir / "first.json").read_text(encoding="utf-8")))
    assert [i.record_id for i in published.sections[0].items] == ["A-1"]
    text = (ws.public_exhibits_dir / "first.json").read_text(encoding="utf-8")
    assert "S-1" not in text and "不应公开" not in text
    codes = sorted(p.code for p in summary.problems)
    assert codes == ["E503", "E507", "W504"]  # E507: S-1 is refused, with its reason
    assert summary.counts()["withheld items"] == 1 and summary.counts()["exhibits"] == 1
    assert not (ws.public_exhibits_dir / "broken.json").exists()
